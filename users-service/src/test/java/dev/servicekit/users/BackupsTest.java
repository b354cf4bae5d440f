package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Taking, sealing and verifying a backup of a SQLite store, and the manifest's format. */
class BackupsTest {

    private static final Instant TAKEN = Instant.parse("2026-12-04T05:00:00.123Z");

    @TempDir
    Path dir;

    private Path database;
    private SqliteUserStore store;

    @BeforeEach
    void openStore() {
        database = dir.resolve("data/users.db");
        store = SqliteUserStore.open(database, 2, Duration.ofSeconds(5), Clock.systemUTC());
        for (int i = 1; i <= 3; i++) {
            store.create(new UserDraft("User " + i, "user" + i + "@example.org", List.of(), Optional.empty()));
        }
    }

    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        store.close();
    }

    private BackupManifest backup(Path file) {
        Path payload =
                Backups.ownerOnlyTempFile(file.getParent(), file.getFileName().toString());
        store.snapshotTo(payload);
        return Backups.seal(payload, file, new Backups.Taken(BackupManifest.SQLITE, TAKEN, store.describe()), "1.2.3");
    }

    @Test
    void aSealedSnapshotOfAnOpenStoreVerifiesAndItsManifestSaysWhatItHolds() throws IOException {
        Path file = dir.resolve("backup.db");
        BackupManifest written = backup(file);

        assertThat(written.users()).isEqualTo(3);
        assertThat(written.schemaVersion()).isEqualTo("2");
        assertThat(written.source()).isEqualTo("sqlite " + database.toAbsolutePath());
        assertThat(written.size()).isEqualTo(Files.size(file));
        assertThat(written.sha256()).isEqualTo(Backups.sha256(file));
        assertThat(Backups.verify(file)).isEqualTo(written);
        assertThat(Files.readString(Backups.manifestOf(file)))
                .contains("\"format\" : \"users-service-backup/1\"")
                .contains("\"release\" : \"1.2.3\"");
        for (Path written2 : List.of(file, Backups.manifestOf(file))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written2)))
                    .isEqualTo("rw-------");
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(path -> path.getFileName().toString()))
                    .as("no temp file left, and verify made no -wal or -shm file")
                    .containsExactlyInAnyOrder("data", "backup.db", "backup.db.manifest.json");
        }
    }

    @Test
    void aBackupInADirectoryWithSpacesAndUrlCharactersVerifies() throws IOException {
        Path odd = Files.createDirectories(dir.resolve("my backups #1 ?x=%20"));
        Path file = odd.resolve("users backup.db");
        backup(file);

        assertThat(Backups.verify(file).users()).isEqualTo(3);
    }

    @Test
    void aSnapshotHasEveryCommittedUserAndNothingWrittenAfterIt() {
        Path file = dir.resolve("backup.db");
        backup(file);
        store.create(new UserDraft("Later", "later@example.org", List.of(), Optional.empty()));

        try (UserStore restored = SqliteUserStore.open(file, 1, Duration.ofSeconds(5), Clock.systemUTC())) {
            assertThat(restored.list(10, Optional.empty()).items())
                    .extracting(User::email)
                    .containsExactly("user1@example.org", "user2@example.org", "user3@example.org");
        }
    }

    @Test
    void aSnapshotOfAMissingDatabaseFailsAndCreatesNothing() {
        Path missing = dir.resolve("missing.db");
        Path target = Backups.ownerOnlyTempFile(dir, "t");

        assertThatThrownBy(() -> SqliteBackups.snapshot(missing, target, Duration.ofSeconds(1)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("Cannot take a snapshot of SQLite database '" + missing + "'");
        assertThat(missing).doesNotExist();
    }

    @Test
    void aTruncatedPayloadIsRefusedAsTruncated() throws IOException {
        Path file = dir.resolve("backup.db");
        backup(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }

        assertThatThrownBy(() -> Backups.verify(file))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("backup '" + file + "'")
                .hasMessageContaining("truncated");
    }

    @Test
    void anAlteredPayloadOfTheSameSizeIsRefusedByItsChecksum() throws IOException {
        Path file = dir.resolve("backup.db");
        backup(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 100] ^= 0x5a;
        Files.write(file, bytes);

        assertThatThrownBy(() -> Backups.verify(file))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("SHA-256")
                .hasMessageContaining("corrupt or altered");
    }

    @Test
    void aCorruptPayloadWithAMatchingManifestFailsTheIntegrityCheck() throws IOException {
        Path file = dir.resolve("backup.db");
        Path garbage = dir.resolve("garbage");
        Files.write(garbage, new byte[8192]);
        Files.move(garbage, file);
        BackupManifest fake = new BackupManifest(
                BackupManifest.SQLITE, TAKEN, "sqlite x", "2", 3, Backups.sha256(file), Files.size(file), "1");
        Files.writeString(Backups.manifestOf(file), fake.toJson());

        assertThatThrownBy(() -> Backups.verify(file))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("payload '" + file + "'")
                .hasMessageContaining("use another backup");
    }

    @Test
    void aMissingManifestIsNamed() throws IOException {
        Path file = dir.resolve("backup.db");
        backup(file);
        Files.delete(Backups.manifestOf(file));

        assertThatThrownBy(() -> Backups.verify(file))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("has no manifest 'backup.db.manifest.json'");
    }

    @Test
    void aManifestThatLiesAboutTheUsersIsRefused() throws IOException {
        Path file = dir.resolve("backup.db");
        BackupManifest real = backup(file);
        BackupManifest lying = new BackupManifest(
                real.payload(),
                real.takenAt(),
                real.source(),
                real.schemaVersion(),
                4,
                real.sha256(),
                real.size(),
                real.release());
        Files.writeString(Backups.manifestOf(file), lying.toJson());

        assertThatThrownBy(() -> Backups.verify(file))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("holds 3 users, and its manifest says 4");
    }

    @Test
    void aSchemaNewerThanThisReleaseKnowsIsRefused() throws IOException {
        Path file = dir.resolve("backup.db");
        backup(file);
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                var statement = connection.createStatement()) {
            statement.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type,"
                    + " script, checksum, installed_by, execution_time, success) VALUES (99, '99', 'future', 'SQL',"
                    + " 'V99__future.sql', 0, 'test', 0, 1)");
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        assertThatThrownBy(() -> Backups.inspect(BackupManifest.SQLITE, file, file.toString()))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("schema version 99, newer than this release knows");
    }

    @Test
    void anExistingTargetIsRefusedUnlessForced() throws IOException {
        Path file = dir.resolve("backup.db");
        backup(file);

        assertThatThrownBy(() -> Backups.checkTarget(file, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exists")
                .hasMessageContaining("--force");
        assertThat(Backups.checkTarget(file, true)).isEqualTo(file);
        assertThatThrownBy(() -> Backups.checkTarget(dir.resolve("no/such/dir/b.db"), false))
                .hasMessageContaining("does not exist; create it first");
    }

    @Test
    void aManifestRoundTripsAndEveryBadFieldIsListed() {
        BackupManifest manifest =
                new BackupManifest(BackupManifest.SQLITE, TAKEN, "sqlite /d/users.db", "2", 7, "a".repeat(64), 42, "1");
        assertThat(BackupManifest.parse(manifest.toJson(), "m")).isEqualTo(manifest);

        assertThatThrownBy(() -> BackupManifest.parse(
                        "{\"format\":\"users-service-backup/1\",\"users\":-1,"
                                + "\"sha256\":\"xyz\",\"takenAt\":\"yesterday\"}",
                        "m.json"))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("manifest 'm.json' is damaged")
                .hasMessageContaining("payload is missing")
                .hasMessageContaining("users is missing or not a whole number")
                .hasMessageContaining("sha256 'xyz' is not 64 lower-case hex digits")
                .hasMessageContaining("takenAt 'yesterday' is not an ISO-8601 UTC time");
        assertThatThrownBy(() -> BackupManifest.parse("{\"format\":\"other/2\"}", "m.json"))
                .hasMessageContaining("has format 'other/2'");
        assertThatThrownBy(() -> BackupManifest.parse("{\"format\":", "m.json"))
                .hasMessageContaining("manifest 'm.json' is not JSON");
    }

    @Test
    void restoreTakesTheLockExclusivelyOnlyWhenNoStoreHasTheDatabaseOpen() throws IOException {
        assertThat(SqliteFileLock.tryExclusive(database)).isEmpty();
        store.close();
        Optional<SqliteFileLock> restoring = SqliteFileLock.tryExclusive(database);
        assertThat(restoring).isPresent();
        assertThatThrownBy(() -> SqliteUserStore.open(database, 1, Duration.ofSeconds(5), Clock.systemUTC()))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("is being restored");
        restoring.get().close();
        store = SqliteUserStore.open(database, 1, Duration.ofSeconds(5), Clock.systemUTC());
    }
}
