package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * {@code backup}, {@code backup verify} and {@code restore} from the shaded jar in child JVMs against a running
 * users-service (also a child JVM): a backup under a bounded POST load, the restore drill after {@code kill -9} with
 * its recovery time, and the refusals that leave the database byte-for-byte as it was.
 */
class BackupRestoreProcessIT {

    /** The most POSTs one load sends, and the longest it runs: a bounded load. */
    @TempDir
    Path dir;

    private Path dataDir;
    private Path database;
    private int managementPort;

    @BeforeEach
    void paths() throws IOException {
        dataDir = dir.resolve("data");
        database = dataDir.resolve("users.db");
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            managementPort = socket.getLocalPort(); // a fixed port, so the commands find the running service
        }
    }

    private String[] common(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--set",
                "data-dir=" + dataDir,
                "--set",
                "management.port=" + managementPort,
                "--set",
                "auth.enabled=false"));
        return all.toArray(String[]::new);
    }

    private ServiceProcess service(String name) {
        return UsersServiceProcessIT.smallJvm(dir)
                .outputName(name)
                .args(common("run", "--set", "http.port=0"))
                .start();
    }

    /** What a command of the jar printed, and its exit code. */
    private record Ran(int exitCode, String stdout, String stderr, String output) {}

    /** Runs a command of the jar to its end, with the data dir and management port of the service. */
    private Ran command(String name, String... args) {
        return run(name, common(args));
    }

    /** {@code backup verify FILE}, which needs no configuration. */
    private Ran verify(String name, Path file) {
        return run(name, "backup", "verify", file.toString());
    }

    private Ran run(String name, String... args) {
        try (ServiceProcess process = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .jvmOptions("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .outputName(name)
                .args(args)
                .start()) {
            int exit = process.awaitExit(Duration.ofSeconds(120));
            return new Ran(exit, process.stdout(), process.stderr(), process.output());
        }
    }

    private TestHttpClient management() {
        return TestHttpClient.create("http://127.0.0.1:" + managementPort);
    }

    @Test
    void aBackupTakenThroughTheRunningServiceDuringAPostLoadHasEveryUserCreatedBeforeItAndPassesVerify()
            throws Exception {
        Path backup = dir.resolve("backups/users-backup.db");
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
                    .contains("backup:   " + backup)
                    .contains("sha256:   ");
            assertThat(taken.load().errors())
                    .as("errors the load saw during the backup")
                    .isEmpty();
            assertThat(taken.load().createdBetween(taken.started(), taken.ended()))
                    .as("the load kept creating users while the backup was taken")
                    .isNotEmpty();
            Set<String> inBackup = emails(backup, true);
            assertThat(inBackup).containsAll(taken.load().createdBefore(taken.started()));
            System.out.printf(
                    "Backup under load: %d users created before it, %d while it ran (%d ms, command JVM included),"
                            + " %d in the backup, %d errors%n",
                    taken.load().createdBefore(taken.started()).size(),
                    taken.load().createdBetween(taken.started(), taken.ended()).size(),
                    Duration.ofNanos(taken.ended() - taken.started()).toMillis(),
                    inBackup.size(),
                    taken.load().errors().size());

            Ran verify = verify("verify", backup);
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.stdout())
                    .contains("ok: " + backup)
                    .contains("users:   " + inBackup.size() + " (schema version 2)")
                    .contains("source:  sqlite " + database);
        }
    }

    @Test
    void theDrillRestoresEveryUserAfterKill9AndADeletedDatabaseAndPrintsTheRecoveryTime() throws Exception {
        Path backup = dir.resolve("drill.db");
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
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(dataDir.resolve("users.db" + suffix));
        }

        long restoreStart = System.nanoTime();
        Ran restore = command("restore", "restore", "--from", backup.toString());
        assertThat(restore.exitCode()).as(restore.output()).isZero();
        assertThat(restore.stdout())
                .contains("Restored " + emails(backup, true).size() + " users from " + backup + " into " + database)
                .contains("replaced: nothing (there was no database)");
        try (ServiceProcess service = service("after-restore")) {
            Poll.until(Duration.ofSeconds(60), "/health/ready to answer 200 after the restore", () -> {
                try {
                    return management().get("/health/ready").status() == 200;
                } catch (UncheckedIOException e) {
                    return false;
                }
            });
            Duration recovery = Duration.ofNanos(System.nanoTime() - restoreStart);
            System.out.printf(
                    "Restore drill: recovery time (restore start -> /health/ready 200) %d ms; %d users created before the backup, all restored%n",
                    recovery.toMillis(), mustSurvive.size());

            assertThat(emails(database, false)).containsAll(mustSurvive);
            assertThat(integrityCheck(database)).isEqualTo("ok");
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void restoreRefusesATruncatedBackupAnAlteredOneAndARunningServiceAndLeavesTheDatabaseAsItWas() throws Exception {
        Path backup = dir.resolve("good.db");
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

            String before = Backups.sha256(database);
            Ran whileRunning = command("restore-running", "restore", "--from", backup.toString());
            assertThat(whileRunning.exitCode()).isNotZero();
            assertThat(whileRunning.stderr())
                    .contains("users-service is running (its management listener answers at 127.0.0.1:" + managementPort
                            + ")")
                    .contains("'users-service stop'")
                    .contains("Nothing was changed");
            assertThat(Backups.sha256(database)).isEqualTo(before);

            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        String before = Backups.sha256(database);

        Path truncated = dir.resolve("truncated.db");
        Files.copy(backup, truncated);
        Files.copy(Backups.manifestOf(backup), Backups.manifestOf(truncated));
        try (FileChannel channel = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 4096);
        }
        Ran refused = command("restore-truncated", "restore", "--from", truncated.toString());
        assertThat(refused.exitCode()).isEqualTo(65);
        assertThat(refused.stderr())
                .contains("backup '" + truncated + "' has ")
                .contains("it is truncated")
                .contains("Nothing was changed");
        assertThat(Backups.sha256(database)).isEqualTo(before);

        Path altered = dir.resolve("altered.db");
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
        assertThat(Backups.sha256(database)).isEqualTo(before);

        Ran verify = verify("verify-altered", altered);
        assertThat(verify.exitCode()).isEqualTo(65);
        assertThat(verify.stderr()).contains("backup verify: backup '" + altered + "' has SHA-256");
        try (var files = Files.list(dataDir)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .as("no database moved aside, no temp file left")
                    .noneMatch(name -> name.contains(RestoreCommand.ASIDE) || name.endsWith(".tmp"));
        }

        Ran good = command("restore-good", "restore", "--from", backup.toString());
        assertThat(good.exitCode()).as(good.output()).isZero();
        assertThat(good.stdout())
                .contains("Restored 5 users")
                .contains("replaced: moved aside as " + database + ".before-restore-");
        try (var files = Files.list(dataDir)) {
            Path aside = files.filter(path -> path.getFileName().toString().contains(RestoreCommand.ASIDE)
                            && !path.getFileName().toString().endsWith("-wal")
                            && !path.getFileName().toString().endsWith("-shm"))
                    .findFirst()
                    .orElseThrow();
            assertThat(Backups.sha256(aside))
                    .as("the replaced database, kept aside unchanged")
                    .isEqualTo(before);
        }
        assertThat(emails(database, false)).hasSize(5);
    }

    /** A backup through the running service, taken once the load has created some users; the load stops after it. */
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

    /** The emails in a SQLite database; {@code immutable} for a backup file nobody writes. */
    private static Set<String> emails(Path file, boolean immutable) throws SQLException {
        Set<String> emails = new HashSet<>();
        try (Connection connection = connect(file, immutable);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT email FROM users")) {
            while (rows.next()) {
                emails.add(rows.getString(1));
            }
        }
        return emails;
    }

    private static String integrityCheck(Path file) throws SQLException {
        try (Connection connection = connect(file, false);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static Connection connect(Path file, boolean immutable) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl(immutable ? "jdbc:sqlite:" + file.toUri() + "?immutable=1" : "jdbc:sqlite:" + file);
        return source.getConnection();
    }
}
