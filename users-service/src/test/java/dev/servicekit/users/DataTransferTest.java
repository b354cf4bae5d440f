package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What export and import promise when something fails halfway. */
class DataTransferTest {

    static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(NOW);

    private UserStore storeWith(int users) {
        UserStore store = new InMemoryUserStore(clock);
        for (int i = 1; i <= users; i++) {
            store.create(new UserDraft("U" + i, "u" + i + "@example.org", List.of("reader"), Optional.of("h" + i)));
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
        public boolean delete(long id) {
            return delegate.delete(id);
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
