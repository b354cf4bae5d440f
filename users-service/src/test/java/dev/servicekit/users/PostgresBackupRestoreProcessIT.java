package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.PostgresServer;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup}, {@code backup verify} and {@code restore} through PostgreSQL, from the shaded jar in child JVMs
 * against a running users-service (also a child JVM) on a real PostgreSQL with Debian's {@code pg_dump} and
 * {@code pg_restore}: a backup under a bounded POST load, the restore drill after {@code kill -9} and dropped tables
 * with its recovery time, the refusals that leave the database as it was (its users' checksum and its table list),
 * and the JSON Lines payload when no {@code pg_dump} is found.
 */
class PostgresBackupRestoreProcessIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @AutoClose
    static PostgresServer postgres;

    @TempDir
    Path dir;

    private String url;
    private String databaseName;
    private Path passwordFile;
    private int managementPort;

    @BeforeAll
    static void launchPostgres() {
        postgres = TestPostgres.launchOrSkip(PostgresBackupRestoreProcessIT.class);
    }

    @BeforeEach
    void database() throws IOException {
        url = TestPostgres.freshDatabase(postgres);
        databaseName = url.substring(url.lastIndexOf('/') + 1);
        passwordFile = TestPostgres.passwordFile(postgres, dir);
        managementPort = freePort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private List<String> settings(int port) {
        return List.of(
                "--set",
                "data-dir=" + dir.resolve("data"),
                "--set",
                "management.port=" + port,
                "--set",
                "auth.enabled=false",
                "--set",
                "store.url=" + url,
                "--set",
                "store.username=" + postgres.username(),
                "--set",
                "store.password-file=" + passwordFile);
    }

    private ServiceProcess service(String name, String... jvmOptions) {
        return service(name, List.of(), jvmOptions);
    }

    private ServiceProcess service(String name, List<String> extraArgs, String... jvmOptions) {
        List<String> args = new ArrayList<>(List.of("run", "--set", "http.port=0"));
        args.addAll(settings(managementPort));
        args.addAll(extraArgs);
        List<String> options = new ArrayList<>(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        options.addAll(Arrays.asList(jvmOptions));
        return ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .jvmOptions(options.toArray(String[]::new))
                .outputName(name)
                .args(args.toArray(String[]::new))
                .start();
    }

    private record Ran(int exitCode, String stdout, String stderr, String output) {}

    /** A command of the jar with the service's configuration (and management port {@code port}). */
    private Ran command(String name, int port, List<String> jvmOptions, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(settings(port));
        return run(name, jvmOptions, all.toArray(String[]::new));
    }

    private Ran command(String name, String... args) {
        return command(name, managementPort, List.of(), args);
    }

    private Ran run(String name, List<String> jvmOptions, String... args) {
        List<String> options = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        options.addAll(jvmOptions);
        try (ServiceProcess process = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .jvmOptions(options.toArray(String[]::new))
                .outputName(name)
                .args(args)
                .start()) {
            int exit = process.awaitExit(Duration.ofSeconds(120));
            return new Ran(exit, process.stdout(), process.stderr(), process.output());
        }
    }

    @Test
    void aPgDumpBackupThroughTheRunningServiceDuringAPostLoadHasEveryUserCreatedBeforeItAndPassesVerify()
            throws Exception {
        Path backup = dir.resolve("backups/users.pgdump");
        Files.createDirectories(backup.getParent());
        try (ServiceProcess service = service("service")) {
            int apiPort = UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            Taken taken;
            try (PostLoad load = PostLoad.start(apiPort, "load", 4)) {
                taken = backupUnderLoad(load, backup);
            }

            assertThat(taken.process().exitCode()).as(taken.process().output()).isZero();
            assertThat(taken.process().stdout())
                    .contains("through the running service at http://127.0.0.1:" + managementPort)
                    .contains("backup:   " + backup);
            assertThat(taken.process().output()).doesNotContain(postgres.password());
            assertThat(service.output()).doesNotContain(postgres.password());
            assertThat(taken.load().errors())
                    .as("errors the load saw during the backup")
                    .isEmpty();
            assertThat(taken.load().createdBetween(taken.started(), taken.ended()))
                    .as("the load kept creating users while the backup was taken")
                    .isNotEmpty();
            Set<String> inBackup = emailsInArchive(backup);
            assertThat(inBackup).containsAll(taken.load().createdBefore(taken.started()));
            System.out.printf(
                    "PostgreSQL backup under load: %d users created before it, %d while it ran (%d ms, command JVM"
                            + " included), %d in the backup, %d errors%n",
                    taken.load().createdBefore(taken.started()).size(),
                    taken.load().createdBetween(taken.started(), taken.ended()).size(),
                    Duration.ofNanos(taken.ended() - taken.started()).toMillis(),
                    inBackup.size(),
                    taken.load().errors().size());

            Ran verify = run("verify", List.of(), "backup", "verify", backup.toString());
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.stdout())
                    .contains("ok: " + backup)
                    .contains("users:   " + inBackup.size() + " (schema version 2)")
                    .contains("payload: pg_dump, ")
                    .contains("source:  postgresql 127.0.0.1:" + postgres.port() + "/" + databaseName + " as app");
            assertThat(Files.getPosixFilePermissions(backup)).hasToString("[OWNER_READ, OWNER_WRITE]");
        }
    }

    @Test
    void theDrillRestoresEveryUserAfterKill9AndDroppedTablesAndPrintsTheRecoveryTime() throws Exception {
        Path backup = dir.resolve("drill.pgdump");
        Set<String> mustSurvive;
        try (ServiceProcess service = service("before-crash")) {
            int apiPort = UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            Taken taken;
            try (PostLoad load = PostLoad.start(apiPort, "drill", 4)) {
                taken = backupUnderLoad(load, backup);
            }
            assertThat(taken.process().exitCode()).as(taken.process().output()).isZero();
            assertThat(taken.load().errors()).isEmpty();
            mustSurvive = taken.load().createdBefore(taken.started());
            assertThat(mustSurvive).isNotEmpty();

            service.kill9();
            service.awaitExit(Duration.ofSeconds(30));
        }
        Poll.until(WAIT, "the killed service's connections to close", () -> serviceSessions() == 0);
        postgres.psql(databaseName, "DROP TABLE users, login_failures, flyway_schema_history");
        assertThat(tableList()).isEmpty();

        long restoreStart = System.nanoTime();
        Ran restore = command("restore", "restore", "--from", backup.toString());
        assertThat(restore.exitCode()).as(restore.output()).isZero();
        assertThat(restore.stdout())
                .contains("Restored " + emailsInArchive(backup).size() + " users from " + backup + " into " + url)
                .contains("replaced: nothing (there were no tables)");
        try (ServiceProcess service = service("after-restore")) {
            Poll.until(WAIT, "/health/ready to answer 200 after the restore", () -> {
                try {
                    return management().get("/health/ready").status() == 200;
                } catch (UncheckedIOException e) {
                    return false;
                }
            });
            Duration recovery = Duration.ofNanos(System.nanoTime() - restoreStart);
            System.out.printf(
                    "PostgreSQL restore drill: recovery time (restore start -> /health/ready 200) %d ms; %d users"
                            + " created before the backup, all restored%n",
                    recovery.toMillis(), mustSurvive.size());

            assertThat(emailsInDatabase()).containsAll(mustSurvive);
            int apiPort = UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            TestResponse created = TestHttpClient.create("http://127.0.0.1:" + apiPort)
                    .post("/api/v1/users", "{\"name\":\"After\",\"email\":\"after-restore@example.org\"}");
            assertThat(created.status())
                    .as("the id sequence was restored too: " + created.body())
                    .isEqualTo(201);
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void restoreRefusesATruncatedBackupAnAlteredOneAndARunningServiceAndLeavesTheDatabaseAsItWas() throws Exception {
        Path backup = dir.resolve("good.pgdump");
        try (ServiceProcess service = service("running")) {
            int apiPort = UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
            for (int i = 0; i < 5; i++) {
                assertThat(api.post("/api/v1/users", "{\"name\":\"U" + i + "\",\"email\":\"u" + i + "@example.org\"}")
                                .status())
                        .isEqualTo(201);
            }
            Ran taken = command("backup", "backup", "--to", backup.toString());
            assertThat(taken.exitCode()).as(taken.output()).isZero();

            String before = usersChecksum();
            List<String> tablesBefore = tableList();
            Ran whileRunning = command("restore-running", "restore", "--from", backup.toString());
            assertThat(whileRunning.exitCode()).isNotZero();
            assertThat(whileRunning.stderr())
                    .contains("users-service is running (its management listener answers at 127.0.0.1:" + managementPort
                            + ")")
                    .contains("Nothing was changed");
            // Configured with another management port, the command cannot see the listener: the database can.
            Ran elsewhere =
                    command("restore-running-db", freePort(), List.of(), "restore", "--from", backup.toString());
            assertThat(elsewhere.exitCode()).as(elsewhere.output()).isEqualTo(1);
            assertThat(elsewhere.stderr())
                    .contains("connection(s) of users-service to PostgreSQL database '" + databaseName + "' are open")
                    .contains("stop every instance first")
                    .contains("Nothing was changed");
            assertThat(usersChecksum()).isEqualTo(before);
            assertThat(tableList()).isEqualTo(tablesBefore);

            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        Poll.until(WAIT, "the service's connections to close", () -> serviceSessions() == 0);
        String before = usersChecksum();
        List<String> tablesBefore = tableList();

        Path truncated = dir.resolve("truncated.pgdump");
        Files.copy(backup, truncated);
        Files.copy(Backups.manifestOf(backup), Backups.manifestOf(truncated));
        try (FileChannel channel = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }
        Ran refused = command("restore-truncated", "restore", "--from", truncated.toString());
        assertThat(refused.exitCode()).isEqualTo(65);
        assertThat(refused.stderr())
                .contains("backup '" + truncated + "' has ")
                .contains("it is truncated")
                .contains("Nothing was changed");
        assertThat(usersChecksum()).isEqualTo(before);
        assertThat(tableList()).isEqualTo(tablesBefore);

        Path altered = dir.resolve("altered.pgdump");
        byte[] bytes = Files.readAllBytes(backup);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(altered, bytes);
        Files.copy(Backups.manifestOf(backup), Backups.manifestOf(altered));
        Ran corrupt = command("restore-altered", "restore", "--from", altered.toString());
        assertThat(corrupt.exitCode()).isEqualTo(65);
        assertThat(corrupt.stderr())
                .contains("backup '" + altered + "' has SHA-256")
                .contains("corrupt or altered")
                .contains("Nothing was changed");
        assertThat(usersChecksum()).isEqualTo(before);
        assertThat(tableList()).isEqualTo(tablesBefore);

        Ran good = command("restore-good", "restore", "--from", backup.toString());
        assertThat(good.exitCode()).as(good.output()).isZero();
        assertThat(good.stdout())
                .contains("Restored 5 users")
                .contains("replaced: moved aside into schema before_restore_")
                .contains("(tables flyway_schema_history, login_failures, users)");
        assertThat(good.output()).doesNotContain(postgres.password());
        assertThat(usersChecksum()).as("the same users restored").isEqualTo(before);
        String aside =
                postgres.psql(databaseName, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'before_restore_%'");
        assertThat(postgres.psql(
                        databaseName, "SELECT md5(string_agg(u::text, '|' ORDER BY id)) FROM " + aside + ".users u"))
                .as("the replaced users, kept aside unchanged")
                .isEqualTo(before);
    }

    @Test
    void withoutPgDumpTheBackupIsTheJsonLinesExportAndItVerifiesAndRestores() throws Exception {
        Path backup = dir.resolve("users.jsonl");
        String noTools = "-D" + PostgresBackups.PG_BIN_PROPERTY + "=none";
        try (ServiceProcess service = service("service-without-pg-dump", noTools)) {
            int apiPort = UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
            for (int i = 0; i < 3; i++) {
                assertThat(api.post("/api/v1/users", "{\"name\":\"J" + i + "\",\"email\":\"j" + i + "@example.org\"}")
                                .status())
                        .isEqualTo(201);
            }
            Ran taken = command("backup-jsonl", managementPort, List.of(), "backup", "--to", backup.toString());
            assertThat(taken.exitCode()).as(taken.output()).isZero();
            assertThat(taken.stdout()).contains("Backed up 3 users").contains("through the running service");
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        assertThat(Files.readString(Backups.manifestOf(backup)))
                .contains("\"payload\" : \"jsonl\"")
                .contains("\"schemaVersion\" : \"users-service/export/1\"");
        assertThat(Files.readString(backup)).startsWith("{\"format\":\"users-service/export\"");
        Ran verify = run("verify-jsonl", List.of(noTools), "backup", "verify", backup.toString());
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.stdout()).contains("payload: jsonl");

        Poll.until(WAIT, "the service's connections to close", () -> serviceSessions() == 0);
        String before = usersChecksum();
        postgres.psql(databaseName, "DELETE FROM users");
        Ran restore =
                command("restore-jsonl", managementPort, List.of(noTools), "restore", "--from", backup.toString());
        assertThat(restore.exitCode()).as(restore.output()).isZero();
        assertThat(restore.stdout()).contains("Restored 3 users").contains("moved aside into schema before_restore_");
        assertThat(usersChecksum()).as("the same users, ids and versions").isEqualTo(before);

        // Offline too: no service answers, so the command exports from the database itself.
        Path offline = dir.resolve("offline.jsonl");
        Ran offlineBackup =
                command("backup-offline", managementPort, List.of(noTools), "backup", "--to", offline.toString());
        assertThat(offlineBackup.exitCode()).as(offlineBackup.output()).isZero();
        assertThat(offlineBackup.stdout()).contains("Backed up 3 users").contains("(offline, from the database)");
    }

    @Test
    void aRestoreThatFailsHalfwayMovesTheReplacedTablesBackAndTheDatabaseIsAsItWas() throws Exception {
        try (ServiceProcess service = service("service")) {
            int apiPort = UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
            assertThat(api.post("/api/v1/users", "{\"name\":\"Kept\",\"email\":\"kept@example.org\"}")
                            .status())
                    .isEqualTo(201);
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        Poll.until(WAIT, "the service's connections to close", () -> serviceSessions() == 0);
        // A sound export file whose second user has the first one's email: it verifies, and its import fails there.
        Path backup = dir.resolve("clash.jsonl");
        Path payload = Backups.ownerOnlyTempFile(dir, "clash.jsonl");
        Instant at = Instant.parse("2026-12-04T05:00:00Z");
        try (OutputStream out = Files.newOutputStream(payload)) {
            ExportFile.Writer writer = new ExportFile.Writer(out, at, "test");
            writer.user(new ExportedUser(new User(1, "A", "same@example.org", List.of(), at, at, 1), Optional.empty()));
            writer.user(new ExportedUser(new User(2, "B", "SAME@example.org", List.of(), at, at, 1), Optional.empty()));
            writer.finish();
        }
        Backups.seal(payload, backup, new Backups.Taken(BackupManifest.JSONL, at, "test"), "test");
        String before = usersChecksum();
        List<String> tablesBefore = tableList();

        Ran restore = command("restore-clash", "restore", "--from", backup.toString());
        assertThat(restore.exitCode()).as(restore.output()).isEqualTo(1);
        assertThat(restore.stderr())
                .contains("SAME@example.org")
                .contains("the database is as it was (the replaced tables were moved back)");
        assertThat(usersChecksum()).isEqualTo(before);
        assertThat(tableList()).isEqualTo(tablesBefore);
    }

    @Test
    void aPgDumpOlderThanTheServerIsRefusedWithTheFix() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("old-bin"));
        Path fake = bin.resolve("pg_dump");
        Files.writeString(fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n");
        fake.toFile().setExecutable(true);
        Ran backup = command(
                "backup-old-pg-dump",
                managementPort,
                List.of("-D" + PostgresBackups.PG_BIN_PROPERTY + "=" + bin),
                "backup",
                "--to",
                dir.resolve("never.pgdump").toString());
        assertThat(backup.exitCode()).isEqualTo(1);
        assertThat(backup.stderr())
                .contains(fake + " is version 9, older than the PostgreSQL server")
                .contains("pg_dump refuses to dump a newer server")
                .contains("No backup was written");
        assertThat(dir.resolve("never.pgdump")).doesNotExist();
    }

    @Test
    void scheduledBackupsOfThePostgresqlStoreArePgDumpArchivesThatVerify() throws Exception {
        Path scheduled = dir.resolve("scheduled");
        try (ServiceProcess service = service(
                "scheduled",
                List.of("--set", "backup.interval=1s", "--set", "backup.keep=2", "--set", "backup.dir=" + scheduled))) {
            UsersServiceProcessIT.port(service, UsersServiceProcessIT.API);
            Poll.until(
                    WAIT,
                    "two scheduled backups",
                    () -> scheduledBackups(scheduled).size() == 2);
            // Stopped before the verify: with a backup every second and two kept, the running service would prune
            // the file being verified whenever the verify (a JVM of its own) takes longer than two intervals.
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
            Path newest = scheduledBackups(scheduled).getLast();
            Ran verify = run("verify-scheduled", List.of(), "backup", "verify", newest.toString());
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.stdout()).contains("payload: pg_dump, ").contains("(schema version 2)");
            assertThat(service.output()).doesNotContain(postgres.password());
        }
    }

    /** The complete scheduled backups in {@code directory} (with their manifest), oldest first. */
    private static List<Path> scheduledBackups(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (var files = Files.list(directory)) {
            return files.filter(file -> ScheduledBackups.NAME
                                    .matcher(file.getFileName().toString())
                                    .matches()
                            && Files.exists(Backups.manifestOf(file)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestHttpClient management() {
        return TestHttpClient.create("http://127.0.0.1:" + managementPort);
    }

    private long serviceSessions() {
        return Long.parseLong(postgres.psql(
                "postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + databaseName
                        + "' AND application_name = 'users-service'"));
    }

    /** md5 of every user row, in id order: equal when the users are. */
    private String usersChecksum() {
        return postgres.psql(databaseName, "SELECT md5(string_agg(u::text, '|' ORDER BY id)) FROM public.users u");
    }

    /** Every table of the database outside the catalogs, schema-qualified. */
    private List<String> tableList() {
        String tables = postgres.psql(
                databaseName,
                "SELECT schemaname || '.' || tablename FROM pg_tables"
                        + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
        return tables.isEmpty() ? List.of() : tables.lines().toList();
    }

    private Set<String> emailsInDatabase() throws SQLException {
        Set<String> emails = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT email FROM users")) {
            while (rows.next()) {
                emails.add(rows.getString(1));
            }
        }
        return emails;
    }

    /** The emails in a pg_dump archive's users data, as {@code pg_restore --data-only} prints them. */
    private static Set<String> emailsInArchive(Path archive) throws IOException, InterruptedException {
        Path pgRestore = PostgresBackups.tool("pg_restore").orElseThrow();
        Process process = new ProcessBuilder(
                        pgRestore.toString(), "--data-only", "--table=users", "--file=-", archive.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> lines = new String(
                        process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(process.waitFor()).isZero();
        Set<String> emails = new HashSet<>();
        int email = -1;
        for (String line : lines) {
            if (email < 0 && line.startsWith("COPY ")) {
                List<String> columns = Arrays.asList(
                        line.substring(line.indexOf('(') + 1, line.indexOf(')')).split(", "));
                email = columns.indexOf("email");
            } else if (email >= 0) {
                if (line.equals("\\.")) {
                    break;
                }
                emails.add(line.split("\t", -1)[email]);
            }
        }
        return emails;
    }

    private Taken backupUnderLoad(PostLoad load, Path backup) {
        Poll.until(Duration.ofSeconds(30), "the load to create 200 users", () -> load.created.size() >= 200);
        long started = System.nanoTime();
        Ran process = command("backup", "backup", "--to", backup.toString());
        long ended = System.nanoTime();
        int after = load.created.size();
        Poll.until(Duration.ofSeconds(10), "the load to go on after the backup", () -> load.created.size() > after);
        load.close();
        return new Taken(process, load, started, ended);
    }

    private record Taken(Ran process, PostLoad load, long started, long ended) {}
}
