package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What export and import promise when something fails halfway. */
class DataTransferTest {

    static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(NOW);

    /**
     * A well-formed stored hash, different for each {@code seed}, of one iteration: what {@code data import} accepts,
     * for tests that move users (no password matches it that a test would know).
     */
    static String storedHash(long seed) {
        Base64.Encoder base64 = Base64.getEncoder().withoutPadding();
        return "pbkdf2-sha256$1$" + base64.encodeToString(("salt-" + seed).getBytes(StandardCharsets.UTF_8)) + "$"
                + base64.encodeToString(("hash-" + seed).getBytes(StandardCharsets.UTF_8));
    }

    /** An export of three users, the second with {@code hash}. */
    private Path exportWithSecondHash(String hash) {
        UserStore source = new InMemoryUserStore(clock);
        source.create(new UserDraft("U1", "u1@example.org", List.of("reader"), Optional.of(storedHash(1))));
        source.create(new UserDraft("U2", "u2@example.org", List.of("reader"), Optional.of(hash)));
        source.create(new UserDraft("U3", "u3@example.org", List.of("reader"), Optional.empty()));
        Path file = dir.resolve("users.jsonl");
        DataTransfer.exportToFile(source, file, NOW);
        return file;
    }

    @Test
    void dataImportRefusesAPasswordHashALoginCouldNotCheckOrOnlyBeyondItsLimitsNamingTheLine() {
        String sixtyFiveBytes = Base64.getEncoder().withoutPadding().encodeToString(new byte[65]);
        for (String hash : List.of(
                "hash-2",
                "pbkdf2-sha256$x$c2FsdA$aGFzaA",
                "pbkdf2-sha256$0$c2FsdA$aGFzaA",
                "pbkdf2-sha256$100000000$c2FsdA$aGFzaA",
                "pbkdf2-sha256$" + (PasswordHasher.MAX_ITERATIONS + 1) + "$c2FsdA$aGFzaA",
                "pbkdf2-sha256$1000$c2FsdA$" + sixtyFiveBytes,
                "pbkdf2-sha256$1000$c2FsdA$***",
                "bcrypt$1000$c2FsdA$aGFzaA")) {
            Path file = exportWithSecondHash(hash);
            UserStore target = new InMemoryUserStore(clock);
            for (ThrowingCallable pass : List.<ThrowingCallable>of(
                    () -> new DataTransfer.Import(target, file).check(),
                    () -> new DataTransfer.Import(target, file).run())) {
                assertThatThrownBy(pass)
                        .as(hash)
                        .isInstanceOfSatisfying(
                                ExportFileException.class,
                                e -> assertThat(e.line()).isEqualTo(3))
                        .hasMessageStartingWith("'" + file + "' line 3: ")
                        .hasMessageContainingAll(
                                "\"passwordHash\" of user 2 cannot be checked at login",
                                "pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>",
                                "1 to " + PasswordHasher.MAX_ITERATIONS + " iterations",
                                "set it to null")
                        .hasMessageNotContaining(hash);
            }
            assertThat(target.list(10, Optional.empty()).items())
                    .as("the second pass stopped at line 3: user 1 only")
                    .extracting(User::id)
                    .containsExactly(1L);
        }
    }

    @Test
    void dataImportRefusesANameOrEmailWithAControlCharacterBeforeWritingAnything() {
        for (String[] bad : List.of(
                new String[] {"U\u00002", "u2@example.org", "name"},
                new String[] {"U2", "u2\u0000@example.org", "email"},
                new String[] {"U2", "u2@exa\u0085mple.org", "email"})) {
            UserStore source = new InMemoryUserStore(clock);
            source.create(new UserDraft("U1", "u1@example.org", List.of("reader"), Optional.empty()));
            source.create(new UserDraft(bad[0], bad[1], List.of("reader"), Optional.empty()));
            Path file = dir.resolve("users.jsonl");
            DataTransfer.exportToFile(source, file, NOW);
            UserStore target = new InMemoryUserStore(clock);

            assertThatThrownBy(() -> new DataTransfer.Import(target, file).check())
                    .as(bad[2])
                    .isInstanceOfSatisfying(
                            ExportFileException.class, e -> assertThat(e.line()).isEqualTo(3))
                    .hasMessageContaining("\"" + bad[2] + "\" of user 2 contains a control character");
            assertThat(target.list(10, Optional.empty()).items()).isEmpty();
            // A restore gives back what the backup holds.
            assertThat(DataTransfer.Import.restoring(target, file).run()).isEqualTo(new DataTransfer.Counts(2, 0, 0));
        }
    }

    @Test
    void dataImportTakesEveryHashALoginCanCheckWithinTheLimits() {
        String sixtyFourBytes = Base64.getEncoder().withoutPadding().encodeToString(new byte[64]);
        for (String hash : List.of(
                "pbkdf2-sha256$1$c2FsdA$aGFzaA",
                "pbkdf2-sha256$" + PasswordHasher.MAX_ITERATIONS + "$c2FsdA$aGFzaA",
                "pbkdf2-sha256$600000$c2FsdA$" + sixtyFourBytes,
                PasswordHasher.withIterations(1).hash("correct horse battery".toCharArray()))) {
            UserStore target = new InMemoryUserStore(clock);
            DataTransfer.Import load = new DataTransfer.Import(target, exportWithSecondHash(hash));
            assertThat(load.check()).as(hash).isEqualTo(3);
            assertThat(load.run()).isEqualTo(new DataTransfer.Counts(3, 0, 0));
            assertThat(target.credentials("u2@example.org"))
                    .hasValueSatisfying(c -> assertThat(c.passwordHash()).isEqualTo(hash));
        }
    }

    @Test
    void aRestoreWritesTheHashesAsTheBackupHoldsThemEvenOneALoginCannotCheck() {
        Path file = exportWithSecondHash("damaged");
        UserStore target = new InMemoryUserStore(clock);

        DataTransfer.Import restore = DataTransfer.Import.restoring(target, file);
        assertThat(restore.check()).isEqualTo(3);
        assertThat(restore.run()).isEqualTo(new DataTransfer.Counts(3, 0, 0));
        assertThat(target.credentials("u2@example.org"))
                .hasValueSatisfying(c -> assertThat(c.passwordHash()).isEqualTo("damaged"));
    }

    private UserStore storeWith(int users) {
        UserStore store = new InMemoryUserStore(clock);
        for (int i = 1; i <= users; i++) {
            store.create(
                    new UserDraft("U" + i, "u" + i + "@example.org", List.of("reader"), Optional.of(storedHash(i))));
        }
        return store;
    }

    @Test
    void anExportThatFailsHalfwayLeavesTheOldFileAsItWasAndNoTemporaryFile() throws IOException {
        Path file = Files.writeString(dir.resolve("users.jsonl"), "the previous export\n");
        UserStore failing = new FailingStore(storeWith(5)) {
            @Override
            public long exportAll(Consumer<? super ExportedUser> sink) {
                delegate.exportAll(user -> {
                    if (user.id() == 3) {
                        throw new StoreUnavailableException("the database went away");
                    }
                    sink.accept(user);
                });
                return 5;
            }
        };

        assertThatThrownBy(() -> DataTransfer.exportToFile(failing, file, NOW))
                .isInstanceOf(StoreUnavailableException.class);

        assertThat(file).hasContent("the previous export");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void anImportStoppedByTheStoreHasImportedTheUsersBeforeAndARerunCompletesIt() {
        Path file = dir.resolve("users.jsonl");
        try (UserStore source = storeWith(5)) {
            DataTransfer.exportToFile(source, file, NOW);
        }
        UserStore target = new InMemoryUserStore(clock);
        UserStore failing = new FailingStore(target) {
            @Override
            public ImportOutcome importUser(ExportedUser user) {
                if (user.id() == 4) {
                    throw new StoreUnavailableException("the database went away");
                }
                return delegate.importUser(user);
            }
        };
        DataTransfer.Import stopped = new DataTransfer.Import(failing, file);
        assertThat(stopped.check()).isEqualTo(5);

        assertThatThrownBy(stopped::run).isInstanceOf(StoreUnavailableException.class);

        assertThat(stopped.counts()).isEqualTo(new DataTransfer.Counts(3, 0, 0));
        assertThat(target.list(10, Optional.empty()).items())
                .extracting(User::id)
                .containsExactly(1L, 2L, 3L);
        DataTransfer.Import rerun = new DataTransfer.Import(target, file);
        rerun.check();
        assertThat(rerun.run()).isEqualTo(new DataTransfer.Counts(2, 0, 3));
    }

    /** Delegates everything to a real store; tests override the call that fails. */
    private static class FailingStore implements UserStore {
        final UserStore delegate;

        FailingStore(UserStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public User create(UserDraft draft) {
            return delegate.create(draft);
        }

        @Override
        public Optional<User> find(long id) {
            return delegate.find(id);
        }

        @Override
        public UserPage list(int limit, Optional<Long> afterId) {
            return delegate.list(limit, afterId);
        }

        @Override
        public User replace(long id, UserDraft draft, OptionalLong expectedVersion) {
            return delegate.replace(id, draft, expectedVersion);
        }

        @Override
        public boolean delete(long id, OptionalLong expectedVersion) {
            return delegate.delete(id, expectedVersion);
        }

        @Override
        public Optional<UserCredentials> credentials(String email) {
            return delegate.credentials(email);
        }

        @Override
        public long exportAll(Consumer<? super ExportedUser> sink) {
            return delegate.exportAll(sink);
        }

        @Override
        public ImportOutcome importUser(ExportedUser user) {
            return delegate.importUser(user);
        }

        @Override
        public void recordLoginFailure(String key, Instant at, Instant forgetBefore) {
            delegate.recordLoginFailure(key, at, forgetBefore);
        }

        @Override
        public List<Instant> loginFailures(String key, Instant since) {
            return delegate.loginFailures(key, since);
        }

        @Override
        public void clearLoginFailures(String key) {
            delegate.clearLoginFailures(key);
        }

        @Override
        public void ping(Duration timeout) {
            delegate.ping(timeout);
        }

        @Override
        public String describe() {
            return "failing " + delegate.describe();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
