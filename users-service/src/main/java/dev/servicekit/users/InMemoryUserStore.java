package dev.servicekit.users;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link UserStore} in memory, for tests and benchmarks; same semantics as the SQLite store.
 *
 * <p>Reads are lock-free (concurrent maps holding immutable rows), so benchmarks of {@code GET} are not
 * limited by a lock; writes take one lock so that the id index and the email index change together.
 */
final class InMemoryUserStore implements UserStore {

    /** A user with its password hash, which {@link User} deliberately does not carry. */
    private record Row(User user, Optional<String> passwordHash) {}

    private final Clock clock;
    private final ConcurrentNavigableMap<Long, Row> rowsById = new ConcurrentSkipListMap<>();
    private final Map<String, Long> idsByEmailKey = new ConcurrentHashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private long lastId; // guarded by writeLock
    private volatile boolean closed;

    InMemoryUserStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public User create(UserDraft draft) {
        Objects.requireNonNull(draft, "draft");
        writeLock.lock();
        try {
            ensureOpen();
            String key = EmailKey.of(draft.email());
            if (idsByEmailKey.containsKey(key)) {
                throw new DuplicateEmailException(draft.email());
            }
            Instant now = now();
            User user = new User(++lastId, draft.name(), draft.email(), draft.roles(), now, now, 1);
            rowsById.put(user.id(), new Row(user, draft.passwordHash()));
            idsByEmailKey.put(key, user.id());
            return user;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Optional<User> find(long id) {
        ensureOpen();
        return Optional.ofNullable(rowsById.get(id)).map(Row::user);
    }

    @Override
    public UserPage list(int limit, Optional<Long> afterId) {
        Objects.requireNonNull(afterId, "afterId");
        requirePositiveLimit(limit);
        ensureOpen();
        List<User> items = new ArrayList<>(Math.min(limit, 1024));
        var rows = afterId.isPresent() ? rowsById.tailMap(afterId.get(), false) : rowsById;
        for (Row row : rows.values()) {
            if (items.size() == limit) {
                return new UserPage(items, Optional.of(items.getLast().id()));
            }
            items.add(row.user());
        }
        return new UserPage(items, Optional.empty());
    }

    @Override
    public User replace(long id, UserDraft draft, OptionalLong expectedVersion) {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        writeLock.lock();
        try {
            ensureOpen();
            Row old = rowsById.get(id);
            if (old == null) {
                throw new UserNotFoundException(id);
            }
            long actual = old.user().version();
            if (expectedVersion.isPresent() && expectedVersion.getAsLong() != actual) {
                throw new VersionConflictException(id, expectedVersion.getAsLong(), actual);
            }
            String oldKey = EmailKey.of(old.user().email());
            String newKey = EmailKey.of(draft.email());
            Long owner = idsByEmailKey.get(newKey);
            if (owner != null && owner != id) {
                throw new DuplicateEmailException(draft.email());
            }
            User user = new User(
                    id, draft.name(), draft.email(), draft.roles(), old.user().createdAt(), now(), actual + 1);
            rowsById.put(id, new Row(user, draft.passwordHash()));
            if (!oldKey.equals(newKey)) {
                idsByEmailKey.remove(oldKey);
                idsByEmailKey.put(newKey, id);
            }
            return user;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public boolean delete(long id) {
        writeLock.lock();
        try {
            ensureOpen();
            Row old = rowsById.remove(id);
            if (old == null) {
                return false;
            }
            idsByEmailKey.remove(EmailKey.of(old.user().email()));
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Optional<UserCredentials> credentials(String email) {
        Objects.requireNonNull(email, "email");
        ensureOpen();
        String key = EmailKey.of(email);
        Long id = idsByEmailKey.get(key);
        Row row = id == null ? null : rowsById.get(id);
        // Without the write lock the two lookups can straddle a replace; re-check the row's email.
        if (row == null || !EmailKey.of(row.user().email()).equals(key)) {
            return Optional.empty();
        }
        return row.passwordHash().map(hash -> new UserCredentials(row.user(), hash));
    }

    @Override
    public void ping(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        ensureOpen();
    }

    @Override
    public String describe() {
        return "memory (not durable: data is lost when the process exits)";
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreUnavailableException("The in-memory user store is closed; open a new store");
        }
    }

    private Instant now() {
        // Millisecond precision, like the SQLite store, so both return the same values.
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static void requirePositiveLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("Page limit must be at least 1, got '" + limit + "'");
        }
    }

    // Placeholder until the data-export and login-throttle work lands (issue 13); replaced, never shipped.
    @Override
    public long exportAll(java.util.function.Consumer<? super ExportedUser> sink) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public ImportOutcome importUser(ExportedUser user) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void recordLoginFailure(String key, Instant at, Instant forgetBefore) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public List<Instant> loginFailures(String key, Instant since) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void clearLoginFailures(String key) {
        throw new UnsupportedOperationException("not yet");
    }
}
