package dev.servicekit.users;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Backups of a PostgreSQL store (docs/backup.md, "PostgreSQL"). The payload is a {@code pg_dump} custom-format
 * archive ({@value BackupManifest#PG_DUMP}) of the store's tables when {@code pg_dump} can be found, else the JSON
 * Lines export of {@code data export} ({@value BackupManifest#JSONL}). Both are one consistent snapshot while the
 * service writes: {@code pg_dump} and {@link UserStore#exportAll} each read in one {@code REPEATABLE READ}
 * transaction.
 *
 * <p>The tools are looked up in the directory the system property {@value #PG_BIN_PROPERTY} names ({@code none}:
 * use none, so backups are JSON Lines), else on the {@code PATH}, else in Debian's
 * {@code /usr/lib/postgresql/<version>/bin}, highest version first. The role's password reaches them in the
 * environment ({@code PGPASSWORD}) of the child process only: never on its command line, never in a log.
 */
final class PostgresBackups {

    /** The system property naming the directory of {@code pg_dump} and {@code pg_restore}, or {@code none}. */
    static final String PG_BIN_PROPERTY = "users-service.pg-bin";
    /** The {@code application_name} of the backup's and restore's own connections. */
    static final String TOOL_APPLICATION_NAME = "users-service-backup";

    /** The longest {@code pg_dump} or {@code pg_restore} may run. */
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(30);

    private static final String TOOL_TIMEOUT_TEXT = "30 minutes";

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");
    private static final Pattern COPY = Pattern.compile("^COPY \\S+ \\((.*)\\) FROM stdin;$");

    private PostgresBackups() {}

    /** Where a PostgreSQL store is, to pass to the tools; {@link #password} goes to the environment only. */
    record Target(String hosts, String ports, String database, String role, Optional<String> password, String sslmode) {

        static Target of(StoreConfig config, Optional<String> password) {
            Properties parsed = org.postgresql.Driver.parseURL(config.url(), null);
            if (parsed == null) {
                throw new IllegalArgumentException(
                        "Store URL '" + StoreConfig.redact(config.url()) + "' is not a valid PostgreSQL URL");
            }
            return new Target(
                    parsed.getProperty("PGHOST", "localhost"),
                    parsed.getProperty("PGPORT", "5432"),
                    parsed.getProperty("PGDBNAME", ""),
                    config.username()
                            .orElseThrow(() ->
                                    new IllegalArgumentException("store.username is not set; PostgreSQL needs a role")),
                    password,
                    parsed.getProperty("sslmode", ""));
        }

        /** The tools' connection arguments: host, port, role, database; no password. */
        List<String> arguments() {
            return List.of("--host=" + hosts, "--port=" + ports, "--username=" + role, "--no-password");
        }

        /** The environment of a tool: the password, this application name, the SSL mode of the URL. */
        void environment(Map<String, String> environment) {
            environment.remove("PGPASSWORD");
            password.ifPresent(secret -> environment.put("PGPASSWORD", secret));
            environment.put("PGAPPNAME", TOOL_APPLICATION_NAME);
            environment.put("PGCONNECT_TIMEOUT", "10");
            if (!sslmode.isEmpty()) {
                environment.put("PGSSLMODE", sslmode);
            }
        }

        /** A JDBC data source for the role, named {@code applicationName} in {@code pg_stat_activity}. */
        PGSimpleDataSource dataSource(StoreConfig config, String applicationName) {
            PGSimpleDataSource source = new PGSimpleDataSource();
            source.setURL(config.url());
            source.setUser(role);
            password.ifPresent(source::setPassword);
            source.setApplicationName(applicationName);
            source.setConnectTimeout(10);
            return source;
        }
    }

    /**
     * The executable {@code name} ({@code pg_dump}, {@code pg_restore}): in the {@value #PG_BIN_PROPERTY} directory
     * when set ({@code none}: empty), else on the {@code PATH}, else in Debian's highest
     * {@code /usr/lib/postgresql/<version>/bin}.
     */
    static Optional<Path> tool(String tool) {
        String name = File.separatorChar == '\\' ? tool + ".exe" : tool;
        String configured = System.getProperty(PG_BIN_PROPERTY, "").strip();
        if (configured.equals("none")) {
            return Optional.empty();
        }
        if (!configured.isEmpty()) {
            return executable(Path.of(configured).resolve(name));
        }
        for (String entry :
                Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                Optional<Path> found = executable(Path.of(entry, name));
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(debian)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(debian)) {
            return versions.sorted(
                            Comparator.comparingInt(PostgresBackups::majorOf).reversed())
                    .map(version -> version.resolve("bin").resolve(name))
                    .filter(Files::isExecutable)
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> executable(Path candidate) {
        return Files.isExecutable(candidate) && !Files.isDirectory(candidate)
                ? Optional.of(candidate)
                : Optional.empty();
    }

    private static int majorOf(Path versionDirectory) {
        try {
            return Integer.parseInt(versionDirectory.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The payload format a backup of a PostgreSQL store has here: {@code pg_dump} when it is found, else JSON Lines. */
    static String payloadFormat() {
        return tool("pg_dump").isPresent() ? BackupManifest.PG_DUMP : BackupManifest.JSONL;
    }

    /**
     * Writes a snapshot of the store into {@code target}: a {@code pg_dump} archive of the tables of the role's
     * current schema when {@code pg_dump} is found, else the JSON Lines export of the store {@code open} gives (the
     * caller closes it). Forces it to disk.
     *
     * @return the payload format written
     * @throws StoreException if the snapshot fails (pg_dump's message, e.g. a server newer than pg_dump, included)
     */
    static String snapshot(StoreConfig config, Target target, Path file, java.util.function.Supplier<UserStore> open) {
        Optional<Path> pgDump = tool("pg_dump");
        if (pgDump.isPresent()) {
            dump(config, target, pgDump.get(), file);
            return BackupManifest.PG_DUMP;
        }
        UserStore store = open.get();
        try (var out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            DataTransfer.export(store, out, Clock.systemUTC().instant());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write '" + file + "': " + e.getMessage(), e);
        }
        try {
            Backups.force(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write '" + file + "' to disk: " + e.getMessage(), e);
        }
        return BackupManifest.JSONL;
    }

    /**
     * {@code pg_dump --format=custom} of the current schema's tables into {@code file}, checking versions first. The
     * {@link PostgresStoreLock} is held shared while {@code pg_dump} runs, so no restore replaces the tables under it;
     * while a restore holds it, the backup is refused at once.
     */
    static void dump(StoreConfig config, Target target, Path pgDump, Path file) {
        PostgresStoreLock.onOwnSession(
                target.dataSource(config, TOOL_APPLICATION_NAME), e -> unreachable(target, e), lock -> {
                    dumpHolding(lock, target, pgDump, file);
                    return null;
                });
    }

    private static StoreUnavailableException unreachable(Target target, SQLException e) {
        return new StoreUnavailableException(
                "Cannot connect to PostgreSQL database '" + target.database() + "' for the backup: " + e.getMessage()
                        + "; check that PostgreSQL runs, and store.url, store.username and store.password-file",
                e);
    }

    private static void dumpHolding(Connection connection, Target target, Path pgDump, Path file) {
        String schema;
        int serverMajor;
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT current_schema(), current_setting('server_version_num')::int / 10000")) {
            rows.next();
            schema = rows.getString(1);
            serverMajor = rows.getInt(2);
        } catch (SQLException e) {
            throw unreachable(target, e);
        }
        if (schema == null) {
            throw new StoreException("The role '" + target.role() + "' has no current schema in database '"
                    + target.database() + "'; set currentSchema in store.url or the role's search_path");
        }
        try {
            PostgresStoreLock.Key key = PostgresStoreLock.key(connection);
            if (!PostgresStoreLock.tryShared(connection, key)) {
                String by = PostgresStoreLock.Holder.describe(
                        PostgresStoreLock.holders(connection, key), "another session");
                throw new StoreUnavailableException("A restore into schema '" + schema + "' of PostgreSQL database '"
                        + target.database() + "' is running (" + key.describe() + " is held by " + by
                        + "); back up once it has ended");
            }
        } catch (SQLException e) {
            throw unreachable(target, e);
        }
        int toolMajor = toolMajor(pgDump);
        if (toolMajor < serverMajor) {
            throw new StoreException(pgDump + " is version " + toolMajor + ", older than the PostgreSQL server ("
                    + serverMajor + "), and pg_dump refuses to dump a newer server; install postgresql-client-"
                    + serverMajor + " (or newer) and put its pg_dump first on PATH, or set -D" + PG_BIN_PROPERTY
                    + "=/usr/lib/postgresql/" + serverMajor + "/bin");
        }
        List<String> command = new ArrayList<>(List.of(pgDump.toString(), "--format=custom"));
        command.addAll(target.arguments());
        command.addAll(List.of(
                "--table=" + quoteIdentifier(schema) + ".*", "--file=" + file, "--dbname=" + target.database()));
        Ran ran = run(command, target, null);
        if (ran.exitCode() != 0) {
            throw new StoreException(pgDump + " failed (exit " + ran.exitCode() + "): "
                    + ran.stderr().strip() + "; check that the role may read every table of schema '" + schema + "'");
        }
        try {
            Backups.force(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write '" + file + "' to disk: " + e.getMessage(), e);
        }
    }

    /** The major version of a pg_dump or pg_restore ({@code --version}). */
    static int toolMajor(Path tool) {
        Ran ran = run(List.of(tool.toString(), "--version"), null, null);
        Matcher matcher = VERSION.matcher(ran.stdout());
        if (ran.exitCode() != 0 || !matcher.find()) {
            throw new StoreException("Cannot tell the version of '" + tool + "' ("
                    + (ran.stdout() + ran.stderr()).strip() + "); is it PostgreSQL's " + tool.getFileName() + "?");
        }
        return Integer.parseInt(matcher.group(1));
    }

    /**
     * Checks a {@code pg_dump} archive in full: {@code pg_restore --list} reads its table of contents, the users
     * table's data is in it, and reading that data and the schema history to their end succeeds (a truncated or
     * altered archive fails here), and its schema version is one this release knows.
     *
     * @throws BackupException if a check fails, or {@code pg_restore} cannot be found
     */
    static Backups.Inspection inspectDump(Path payload, String name) {
        Path pgRestore = tool("pg_restore")
                .orElseThrow(() -> new BackupException("backup '" + name + "' is a pg_dump archive, and pg_restore"
                        + " is not on PATH nor in /usr/lib/postgresql/*/bin; install Debian's postgresql-client to"
                        + " check or restore it"));
        Ran list = run(List.of(pgRestore.toString(), "--list", payload.toString()), null, null);
        if (list.exitCode() != 0 && list.stderr().contains("unsupported version")) {
            throw new BackupException("payload '" + name + "' is a pg_dump archive newer than " + pgRestore
                    + " reads (" + list.stderr().strip() + "); install the postgresql-client of the server it was"
                    + " taken from (or newer), or set -D" + PG_BIN_PROPERTY + " to its directory");
        }
        if (list.exitCode() != 0) {
            throw new BackupException("payload '" + name + "' is not a readable pg_dump archive (pg_restore --list: "
                    + list.stderr().strip() + "); it is truncated or corrupt: use another backup");
        }
        boolean hasUsers = list.stdout()
                .lines()
                .anyMatch(line -> !line.startsWith(";") && line.matches(".* TABLE DATA \\S+ users .*"));
        if (!hasUsers) {
            throw new BackupException("payload '" + name + "' is a pg_dump archive without the data of a users table;"
                    + " it is not a users-service backup");
        }
        List<List<String>> users = tableData(pgRestore, payload, name, "users");
        List<List<String>> history = tableData(pgRestore, payload, name, "flyway_schema_history");
        return new Backups.Inspection(schemaVersion(history, name), users.size() - 1L);
    }

    /**
     * The rows of {@code table}'s data in the archive as {@code pg_restore --data-only} prints them: the first entry
     * holds the column names, the others the values (COPY text format, split on tabs).
     */
    private static List<List<String>> tableData(Path pgRestore, Path payload, String name, String table) {
        List<List<String>> rows = new ArrayList<>();
        boolean[] ended = {false};
        Ran ran = run(
                List.of(pgRestore.toString(), "--data-only", "--table=" + table, "--file=-", payload.toString()),
                null,
                line -> {
                    if (rows.isEmpty()) {
                        Matcher copy = COPY.matcher(line);
                        if (copy.matches()) {
                            rows.add(Arrays.asList(copy.group(1).split(", ")));
                        }
                    } else if (!ended[0]) {
                        if (line.equals("\\.")) {
                            ended[0] = true;
                        } else {
                            rows.add(Arrays.asList(line.split("\t", -1)));
                        }
                    }
                });
        if (ran.exitCode() != 0 || rows.isEmpty() || !ended[0]) {
            throw new BackupException("payload '" + name + "': the data of table " + table + " cannot be read to its"
                    + " end (pg_restore: " + ran.stderr().strip() + "); it is truncated or corrupt: use another"
                    + " backup");
        }
        return rows;
    }

    /** The newest successful version in Flyway's history rows. */
    private static String schemaVersion(List<List<String>> history, String name) {
        List<String> columns = history.getFirst();
        int version = columns.indexOf("version");
        int success = columns.indexOf("success");
        if (version < 0 || success < 0) {
            throw new BackupException("payload '" + name + "' has a schema history without version or success"
                    + " columns " + columns + "; it is not a users-service backup");
        }
        MigrationVersion newest = null;
        for (List<String> row : history.subList(1, history.size())) {
            if (row.size() == columns.size()
                    && row.get(success).equals("t")
                    && !row.get(version).equals("\\N")) {
                MigrationVersion v = MigrationVersion.fromVersion(row.get(version));
                if (newest == null || v.compareTo(newest) > 0) {
                    newest = v;
                }
            }
        }
        if (newest == null) {
            throw new BackupException(
                    "payload '" + name + "' has no applied schema migration; it is not a users-service backup");
        }
        // As SqliteBackups does: a restore of it would leave a database this release refuses to start on (exit 78).
        if (newest.compareTo(MigrationVersion.fromVersion(PostgresUserStore.SCHEMA_VERSION)) > 0) {
            throw new BackupException("payload '" + name + "' has schema version " + newest.getVersion()
                    + ", newer than this release knows (newest " + PostgresUserStore.SCHEMA_VERSION + "); restore it"
                    + " with the release that took it (see the manifest's release) or a newer one");
        }
        return newest.getVersion();
    }

    /**
     * Checks a JSON Lines payload in full with the strict reader of {@code data import} ({@link ExportFile}). Its
     * "schema version" is the export format's, which every release's import reads whatever its database schema.
     *
     * @throws BackupException at the first bad line
     */
    static Backups.Inspection inspectExport(Path payload, String name) {
        try (ExportFile.Reader reader = ExportFile.Reader.open(payload)) {
            while (reader.hasNext()) {
                reader.next();
            }
            return new Backups.Inspection(exportSchemaVersion(), reader.users());
        } catch (ExportFileException e) {
            throw new BackupException(
                    "payload '" + name + "' is not a sound export: " + e.getMessage() + "; use another backup", e);
        } catch (UncheckedIOException e) {
            throw new BackupException("cannot read payload '" + name + "': " + e.getMessage(), e);
        }
    }

    /** What a JSON Lines payload's manifest records as its schema version: the export format and its version. */
    static String exportSchemaVersion() {
        return ExportFile.FORMAT + "/" + ExportFile.VERSION;
    }

    /** {@code "name"}, quoted as an SQL identifier. */
    static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** What a tool printed and its exit code. */
    record Ran(int exitCode, String stdout, String stderr) {}

    /**
     * Runs a tool to its end (at most {@value #TOOL_TIMEOUT_TEXT}), with {@code target}'s environment when given.
     * With {@code lines}, standard output goes to it line by line and {@link Ran#stdout()} is empty.
     */
    static Ran run(List<String> command, Target target, java.util.function.Consumer<String> lines) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (target != null) {
            target.environment(builder.environment());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new StoreException("Cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        try {
            process.getOutputStream().close();
            StringBuilder stdout = new StringBuilder();
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (lines != null) {
                        lines.accept(line);
                    } else {
                        stdout.append(line).append('\n');
                    }
                }
            }
            if (!process.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new StoreException(command.getFirst() + " did not finish within " + TOOL_TIMEOUT);
            }
            return new Ran(process.exitValue(), stdout.toString(), stderr.join());
        } catch (IOException e) {
            process.destroyForcibly();
            throw new StoreException("Cannot read the output of " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StoreException("Interrupted while " + command.getFirst() + " ran", e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read: " + e.getMessage() + ")";
        }
    }
}
