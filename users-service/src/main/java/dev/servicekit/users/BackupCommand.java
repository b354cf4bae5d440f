package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceException;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.http.ManagementClient;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManagerException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code backup --to FILE [--force]} and {@code backup verify FILE} (docs/backup.md). A backup is the payload
 * {@code FILE} and its manifest {@code FILE.manifest.json} ({@link BackupManifest}), both owner-only, written under
 * temp names and renamed into place, manifest last. When the configured instance runs (its management listener on
 * loopback answers), the running service takes the snapshot ({@code POST /admin/backup}, {@link BackupApi}) so it
 * is consistent with what it serves; else this process takes it from the database file. Exit codes: 0 done,
 * 65 ({@code verify}) a backup that fails a check, 78 invalid configuration, 1 anything else.
 */
@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = {
            "Takes a consistent backup of the store into FILE and FILE.manifest.json (owner-only), while the service"
                    + " serves (through its management listener) or offline (from the database file).",
            "'backup verify FILE' checks a backup: manifest, size, SHA-256, SQLite integrity, schema version, users."
        },
        subcommands = {BackupCommand.Verify.class})
final class BackupCommand implements Callable<Integer> {

    /** The longest a running service may take to send its snapshot. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

    private final ServiceCli.CommandContext context;
    private final String serviceName;
    private final String release;
    private final Clock clock;

    @Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    @Option(
            names = "--to",
            paramLabel = "FILE",
            description = "The backup to write; FILE.manifest.json goes beside it.")
    Path to;

    @Option(names = "--force", description = "Replace FILE (and its manifest) if it exists.")
    boolean force;

    BackupCommand(ServiceCli.CommandContext context, String serviceName, String release, Clock clock) {
        this.context = context;
        this.serviceName = serviceName;
        this.release = release;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        String name = serviceName + ": backup: ";
        if (to == null) {
            err().println("Usage: " + serviceName + " backup --to FILE [--force] | backup verify FILE");
            return ExitCode.USAGE.code();
        }
        Config config = context.loadConfig(options);
        StoreConfig storeConfig = DataCommand.persistentStore(config, "backup", serviceName);
        if (storeConfig.sqlitePath().isEmpty()) {
            err().println(name + "store.url '" + StoreConfig.redact(storeConfig.url()) + "' is not a SQLite"
                    + " database, and this release backs up SQLite only; use '" + serviceName + " data export --to"
                    + " FILE' (or pg_dump) for PostgreSQL");
            return ExitCode.FAILURE.code();
        }
        Path database = storeConfig.sqlitePath().get().toAbsolutePath().normalize();
        Path file;
        try {
            file = Backups.checkTarget(to, force);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            err().println(name + e.getMessage());
            return ExitCode.FAILURE.code();
        }
        Path payload = null;
        try {
            payload = Backups.ownerOnlyTempFile(
                    file.getParent(), file.getFileName().toString());
            Optional<String> through = Optional.empty();
            Backups.Taken taken;
            Optional<ManagementClient> client = client(config);
            Optional<Map<String, String>> online = Optional.empty();
            if (client.isPresent()) {
                online = fromRunningService(client.get(), payload);
            }
            if (online.isPresent()) {
                taken = taken(online.get(), payload, client.get());
                through = Optional.of(client.get().managementUri().toString());
            } else {
                if (!Files.isRegularFile(database)) {
                    throw new IllegalArgumentException("store.url names '" + database + "', which does not exist,"
                            + " and no running instance answers; check --config, --set store.url or data-dir");
                }
                taken = new Backups.Taken(BackupManifest.SQLITE, clock.instant(), "sqlite " + database);
                SqliteBackups.snapshot(database, payload, storeConfig.timeout());
            }
            BackupManifest manifest = Backups.seal(payload, file, taken, release);
            PrintStream out = context.out();
            out.println("Backed up " + manifest.users() + " users (schema version " + manifest.schemaVersion()
                    + ", taken " + manifest.takenAt() + ") from " + manifest.source()
                    + through.map(uri -> " through the running service at " + uri)
                            .orElse(" (offline, from the database file)"));
            out.println("  backup:   " + file + " (" + manifest.size() + " bytes, owner-only)");
            out.println("  sha256:   " + manifest.sha256());
            out.println("  manifest: " + Backups.manifestOf(file));
            return ExitCode.OK.code();
        } catch (BackupException
                | StoreException
                | ServiceException
                | ServiceManagerException
                | UncheckedIOException
                | IllegalArgumentException e) {
            Backups.deleteQuietly(payload, e);
            err().println(name + e.getMessage());
            err().println("No backup was written to '" + file + "'.");
            return ExitCode.FAILURE.code();
        }
    }

    /** The management listener's client, or empty (with a note) when the configuration names none this can reach. */
    private Optional<ManagementClient> client(Config config) {
        try {
            return Optional.of(HttpServiceHost.managementClient(serviceName, config, clock));
        } catch (ServiceException e) {
            err().println(serviceName + ": backup: not asking a running instance (" + e.getMessage()
                    + "); taking the snapshot from the database file, which is consistent too");
            return Optional.empty();
        }
    }

    /** The running service's snapshot in {@code payload} and its headers, or empty when nothing answers. */
    private Optional<Map<String, String>> fromRunningService(ManagementClient client, Path payload) {
        try {
            return Optional.of(client.postForFile(BackupApi.PATH, payload, TRANSFER_TIMEOUT));
        } catch (ServiceManagerException e) {
            if (e.exitCode() != ExitCode.NOT_RUNNING.code()) {
                throw e;
            }
            err().println(serviceName + ": backup: no running instance answers at " + client.managementUri()
                    + "; taking the snapshot from the database file");
            return Optional.empty();
        }
    }

    private static Backups.Taken taken(Map<String, String> headers, Path payload, ManagementClient client) {
        String at = client.managementUri() + BackupApi.PATH;
        String format = header(headers, BackupApi.PAYLOAD, at);
        String source = header(headers, BackupApi.SOURCE, at);
        String sha256 = header(headers, BackupApi.SHA256, at);
        Instant takenAt;
        try {
            takenAt = Instant.parse(header(headers, BackupApi.TAKEN_AT, at));
        } catch (DateTimeParseException e) {
            throw new ServiceException("The answer of " + at + " has a bad " + BackupApi.TAKEN_AT + " header", e);
        }
        String received;
        try {
            received = Backups.sha256(payload);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read '" + payload + "': " + e.getMessage(), e);
        }
        if (!received.equals(sha256)) {
            throw new ServiceException("The snapshot from " + at + " arrived damaged (SHA-256 " + received
                    + ", sent as " + sha256 + "); run the backup again");
        }
        return new Backups.Taken(format, takenAt, source);
    }

    private static String header(Map<String, String> headers, String name, String at) {
        String value = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        if (value == null || value.isBlank()) {
            throw new ServiceException("The answer of " + at + " has no " + name + " header; is the program on the"
                    + " management port this version of the service?");
        }
        return value;
    }

    private PrintStream err() {
        return context.err();
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = {
                "Checks a backup without changing anything: its manifest is present and well-formed, size and"
                        + " SHA-256 match, PRAGMA integrity_check is ok, the schema version is one this release"
                        + " knows, and it holds the manifest's number of users.",
                "Exit 0 when it is sound, 65 when it is not (the message names the file and the problem)."
            })
    static final class Verify implements Callable<Integer> {
        @ParentCommand
        BackupCommand parent;

        @Parameters(paramLabel = "FILE", description = "The backup ('backup --to FILE' wrote it).")
        Path file;

        @Override
        public Integer call() {
            Path absolute = file.toAbsolutePath().normalize();
            try {
                BackupManifest manifest = Backups.verify(absolute);
                PrintStream out = parent.context.out();
                out.println("ok: " + absolute);
                printSummary(out, manifest);
                return ExitCode.OK.code();
            } catch (BackupException e) {
                parent.err().println(parent.serviceName + ": backup verify: " + e.getMessage());
                return ExitCode.DATA_ERROR.code();
            }
        }
    }

    /** The manifest, one field a line, as {@code verify} and {@code restore} print it. */
    static void printSummary(PrintStream out, BackupManifest manifest) {
        out.println("  taken:   " + manifest.takenAt() + " by " + "release " + manifest.release());
        out.println("  source:  " + manifest.source());
        out.println("  users:   " + manifest.users() + " (schema version " + manifest.schemaVersion() + ")");
        out.println(
                "  payload: " + manifest.payload() + ", " + manifest.size() + " bytes, sha256 " + manifest.sha256());
    }
}
