package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled backups ({@code backup.interval}, {@code backup.dir}, {@code backup.keep}) on a running users-service in
 * this JVM: retention keeps exactly {@code keep} of its own backups and never a foreign file, each kept backup passes
 * verify, the last-success metric moves, a failing backup is counted while the service keeps serving, a stop during a
 * backup leaves no temp file, and bad values are all listed with exit 78.
 */
@SuppressWarnings("try") // a running service held open for the block and closed by it
class ScheduledBackupsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void everySecondKeepingThreeLeavesExactlyThreeVerifiedBackupsAndTheForeignFiles() throws IOException {
        Path backups = dir.resolve("backups");
        Files.createDirectories(backups);
        List<Path> foreign = List.of(
                backups.resolve("notes.txt"),
                backups.resolve("users-old.db"),
                backups.resolve("users-20200101T000000.000Z.db.bak"),
                backups.resolve("users-20200101T000000.000Z.db.manifest.json"));
        for (Path file : foreign) {
            Files.writeString(file, "not a scheduled backup");
        }
        RunningUsersService service =
                RunningUsersService.start(dir, "backup.interval=1s", "backup.keep=3", "backup.dir=" + backups);
        double firstSuccess;
        try {
            assertThat(service.api
                            .post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}")
                            .status())
                    .isEqualTo(201);
            firstSuccess = Poll.until(
                    WAIT,
                    "a first scheduled backup",
                    () -> metric(service, "users_backup_last_success_timestamp_seconds"),
                    value -> value > 0);
            double later = Poll.until(
                    WAIT,
                    "the last-success metric to move",
                    () -> metric(service, "users_backup_last_success_timestamp_seconds"),
                    value -> value > firstSuccess);
            assertThat(later).isGreaterThan(firstSuccess);
            Poll.until(
                    WAIT,
                    "five scheduled backups, three of them kept",
                    () -> metric(service, "users_backup_duration_seconds_count") >= 5
                            && own(backups).size() == 3);
            assertThat(metric(service, "users_backup_interval_seconds")).isEqualTo(1.0);
            assertThat(metric(service, "users_backup_size_bytes")).isPositive();
            assertThat(metric(service, "users_backup_failures_total")).isZero();
        } finally {
            service.close();
        }

        List<Path> kept = own(backups);
        assertThat(kept).hasSize(3);
        for (Path backup : kept) {
            BackupManifest manifest = Backups.verify(backup);
            assertThat(manifest.users()).isEqualTo(1);
            assertThat(Files.exists(Backups.manifestOf(backup))).isTrue();
        }
        for (Path file : foreign) {
            assertThat(file).as("a file the scheduler did not write").exists();
        }
        try (Stream<Path> files = Files.list(backups)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .as("no temp file and no stray manifest")
                    .noneMatch(name -> name.endsWith(".tmp"))
                    .filteredOn(name -> name.endsWith(BackupManifest.SUFFIX))
                    .hasSize(4); // three kept, one foreign
        }
    }

    @Test
    void theDirectoryIsCreatedOwnerOnly() throws IOException {
        Path backups = dir.resolve("new/backups");
        try (RunningUsersService service =
                RunningUsersService.start(dir, "backup.interval=1h", "backup.dir=" + backups)) {
            Poll.until(WAIT, "the backup taken at start", () -> own(backups).size() == 1);
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backups)))
                    .isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(own(backups).get(0))))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void aFailingBackupIsLoggedAndCountedAndTheServiceKeepsServing() throws IOException {
        // Not permissions (root ignores them): the backup directory's parent becomes a regular file.
        Path parent = dir.resolve("parent");
        Path backups = parent.resolve("backups");
        try (RunningUsersService service =
                        RunningUsersService.start(dir, "backup.interval=1s", "backup.keep=2", "backup.dir=" + backups);
                LogCapture log = LogCapture.of(ScheduledBackups.class.getName())) {
            Poll.until(WAIT, "a first scheduled backup", () -> own(backups).size() >= 1);
            deleteTree(parent);
            Files.writeString(parent, "a file where the backup directory's parent was");

            Poll.until(
                    WAIT,
                    "two failed scheduled backups",
                    () -> metric(service, "users_backup_failures_total"),
                    count -> count >= 2);
            assertThat(log.messages())
                    .anySatisfy(message -> assertThat(message)
                            .contains("Scheduled backup")
                            .contains("failed")
                            .contains("'" + parent + "' exists and is not a directory"));
            assertThat(log.events())
                    .anySatisfy(event -> assertThat(event.getLevel().toString()).isEqualTo("WARN"));
            assertThat(service.api
                            .post("/api/v1/users", "{\"name\":\"Bo\",\"email\":\"bo@example.com\"}")
                            .status())
                    .isEqualTo(201);
            assertThat(service.management.get("/health/ready").status()).isEqualTo(200);

            // The next interval tries again: once the directory can be made, backups succeed.
            double before = metric(service, "users_backup_last_success_timestamp_seconds");
            Files.delete(parent);
            Poll.until(
                    WAIT,
                    "a scheduled backup after the directory is back",
                    () -> metric(service, "users_backup_last_success_timestamp_seconds"),
                    value -> value > before);
        }
    }

    @Test
    void aStopDuringABackupLeavesNoTempFile() throws Exception {
        Path backups = dir.resolve("backups");
        CountDownLatch writing = new CountDownLatch(1);
        SnapshotSource slow = new SnapshotSource() {
            @Override
            public String payloadFormat() {
                return BackupManifest.SQLITE;
            }

            @Override
            public String describe() {
                return "a store whose snapshot takes an hour";
            }

            @Override
            public Path stagingDirectory() {
                return dir;
            }

            @Override
            public void snapshotTo(Path target) {
                try {
                    Files.writeString(target, "the first half of a snapshot");
                    writing.countDown();
                    Thread.sleep(Duration.ofHours(1));
                } catch (IOException | InterruptedException e) {
                    throw new StoreException("snapshot interrupted: " + e, e);
                }
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScheduledBackups scheduled =
                new ScheduledBackups(slow, backups, Duration.ofSeconds(1), 3, Clock.systemUTC(), "test", registry);
        scheduled.start();
        writing.await();
        try (Stream<Path> files = Files.list(backups)) {
            assertThat(files).as("the temp file while the snapshot runs").hasSize(1);
        }

        scheduled.stop(Duration.ofSeconds(10));

        try (Stream<Path> files = Files.list(backups)) {
            assertThat(files).as("nothing left after stop").isEmpty();
        }
        assertThat(registry.getMeters()).as("the meters are removed at stop").isEmpty();
    }

    @Test
    void tempFilesAnInterruptedBackupLeftAreRemovedAtStartAndOthersStay() throws IOException {
        Path backups = dir.resolve("backups");
        Files.createDirectories(backups);
        Path leftover = backups.resolve(".users-20261204T050000.000Z.db.123456789.tmp");
        Path leftoverManifest = backups.resolve(".users-20261204T050000.000Z.db.manifest.json.42.tmp");
        Path foreign = backups.resolve(".other.tmp");
        Files.writeString(leftover, "half");
        Files.writeString(leftoverManifest, "half");
        Files.writeString(foreign, "not ours");
        try (RunningUsersService service =
                RunningUsersService.start(dir, "backup.interval=1h", "backup.dir=" + backups)) {
            Poll.until(WAIT, "the backup taken at start", () -> own(backups).size() == 1);
        }
        assertThat(leftover).doesNotExist();
        assertThat(leftoverManifest).doesNotExist();
        assertThat(foreign).exists();
    }

    @Test
    void offByDefaultWithTheMetersThere() {
        try (RunningUsersService service = RunningUsersService.start(dir)) {
            assertThat(metric(service, "users_backup_interval_seconds")).isZero();
            assertThat(metric(service, "users_backup_last_success_timestamp_seconds"))
                    .isZero();
            assertThat(metric(service, "users_backup_failures_total")).isZero();
        }
        assertThat(dir.resolve("backups")).doesNotExist();
    }

    @Test
    void badValuesAreAllListedWithExit78() {
        String values = validate("backup.interval=daily", "backup.keep=0", "backup.dir=");
        assertThat(values)
                .contains("backup.interval (from --set): \"daily\" is not valid")
                .contains("backup.keep (from --set): \"0\" is not valid; expected a whole number from 1 to 10000")
                .contains("backup.dir (from --set)");

        String combination = validate("backup.interval=500ms", "store.url=memory:");
        assertThat(combination)
                .contains("backup.interval '500ms' is shorter than 1s; use 0s (off) or at least 1s")
                .contains("store.url 'memory:' keeps nothing to back up");
    }

    @Test
    void aBackupDirectoryThatCannotBeCreatedIsRefusedByConfigValidate() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "a file where a parent directory would be");
        Path backups = file.resolve("deeper").resolve("backups");

        assertThat(validate("backup.interval=1d", "backup.dir=" + backups))
                .contains("backup.dir (from --set): backup.dir '" + backups + "' cannot be created: '" + file
                        + "' exists and is not a directory; remove that file or choose another backup.dir");
        assertThat(validate("backup.interval=1d", "backup.dir=" + file))
                .contains("backup.dir '" + file + "' exists and is not a directory");
    }

    @Test
    void theDefaultBackupDirectoryUnderADataDirThatCannotBeCreatedIsTheDataDirsProblemOnly() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "a file where a parent directory would be");

        assertThat(validate("backup.interval=1d", "data-dir=" + file.resolve("data")))
                .contains("1 problem:")
                .contains("data-dir (from --set): \"" + file.resolve("data") + "\" cannot be created: \"" + file
                        + "\" is a file, not a directory")
                .doesNotContain("backup.dir");
        assertThat(validate("backup.interval=1d", "data-dir=" + file, "backup.dir=" + file.resolve("backups")))
                .as("a backup.dir given is judged on its own")
                .contains("2 problems:")
                .contains("backup.dir (from --set): backup.dir '" + file.resolve("backups") + "' cannot be created");
    }

    @Test
    void theBackupIntervalDescriptionNamesEveryKindOfStoreThatCanBeBackedUp() {
        assertThat(SnapshotSource.class).isAssignableFrom(SqliteUserStore.class);
        assertThat(SnapshotSource.class).isAssignableFrom(PostgresUserStore.class);
        assertThat(SnapshotSource.class.isAssignableFrom(InMemoryUserStore.class))
                .isFalse();
        assertThat(UsersConfigKeys.BACKUP_INTERVAL.description())
                .contains("SQLite or PostgreSQL store (not memory:)")
                .doesNotContain("SQLite store only");
    }

    @Test
    void aValueThatDoesNotParseAndTheStoreChecksAreListedInOneRun() {
        String both = validate("http.port=abc", "store.url=jdbc:postgresql://me:secret@127.0.0.1/users");

        // Before, the port alone was reported, and the store URL only on the next try.
        assertThat(both)
                .contains("http.port (from --set): \"abc\" is not valid")
                .contains("holds credentials")
                .doesNotContain("secret@");
    }

    /** {@code config validate} with these {@code --set}s: asserts exit 78 and returns what it printed. */
    private String validate(String... sets) {
        List<String> args = new java.util.ArrayList<>(List.of("config", "validate", "--set", "data-dir=" + dir));
        for (String set : sets) {
            args.add("--set");
            args.add(set);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(args.toArray(String[]::new));
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(message).isEqualTo(78);
        return message;
    }

    @Test
    void aBackupDirectoryThatIsAFileIsAConfigurationError() throws IOException {
        Path file = Files.writeString(dir.resolve("backups"), "a file");
        assertThatThrownBy(() -> RunningUsersService.start(dir, "backup.interval=1s", "backup.dir=" + file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("backup.dir '" + file + "' exists and is not a directory");
    }

    /** The scheduler's own backups in {@code backups}, oldest first; none while the directory is missing. */
    private static List<Path> own(Path backups) {
        if (!Files.isDirectory(backups)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(backups)) {
            return files.filter(file -> ScheduledBackups.NAME
                            .matcher(file.getFileName().toString())
                            .matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of the one sample named {@code name} on {@code /metrics}. */
    private static double metric(RunningUsersService service, String name) {
        TestResponse scrape = service.management.get("/metrics");
        assertThat(scrape.status()).isEqualTo(200);
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$")
                .matcher(scrape.body());
        assertThat(sample.find()).as("%s on /metrics:%n%s", name, scrape.body()).isTrue();
        return Double.parseDouble(sample.group(2));
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(file);
            }
        }
    }
}
