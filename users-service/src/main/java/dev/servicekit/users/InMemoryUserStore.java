package dev.servicekit.users;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

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
    private final LoginFailures loginFailures = new LoginFailures(); // guarded by itself
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
    public boolean delete(long id, OptionalLong expectedVersion) {
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        writeLock.lock();
        try {
            ensureOpen();
            Row old = rowsById.get(id);
            if (old == null) {
                return false;
            }
            long actual = old.user().version();
            if (expectedVersion.isPresent() && expectedVersion.getAsLong() != actual) {
                throw new VersionConflictException(id, expectedVersion.getAsLong(), actual);
            }
            rowsById.remove(id);
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

    /**
     * {@inheritDoc}
     *
     * <p>The snapshot is a copy of the row references taken under the write lock (the rows themselves are immutable
     * and already in memory); {@code sink} runs without the lock.
     */
    @Override
    public long exportAll(Consumer<? super ExportedUser> sink) {
        Objects.requireNonNull(sink, "sink");
        List<Row> snapshot;
        writeLock.lock();
        try {
            ensureOpen();
            snapshot = new ArrayList<>(rowsById.values());
        } finally {
            writeLock.unlock();
        }
        for (Row row : snapshot) {
            sink.accept(new ExportedUser(row.user(), row.passwordHash()));
        }
        return snapshot.size();
    }

    @Override
    public ImportOutcome importUser(ExportedUser exported) {
        Objects.requireNonNull(exported, "exported");
        User user = exported.user();
        // The same checks as the SQLite store: roles are single tokens; timestamps have millisecond precision.
        new UserDraft(user.name(), user.email(), user.roles(), exported.passwordHash());
        User stored = exported.truncatedToMillis().user();
        writeLock.lock();
        try {
            ensureOpen();
            Row old = rowsById.get(user.id());
            Row imported = new Row(stored, exported.passwordHash());
            if (imported.equals(old)) {
                return ImportOutcome.UNCHANGED;
            }
            String key = EmailKey.of(user.email());
            Long owner = idsByEmailKey.get(key);
            if (owner != null && owner != user.id()) {
                throw new DuplicateEmailException(user.email());
            }
            rowsById.put(user.id(), imported);
            if (old != null) {
                idsByEmailKey.remove(EmailKey.of(old.user().email()));
            }
            idsByEmailKey.put(key, user.id());
            lastId = Math.max(lastId, user.id());
            return old == null ? ImportOutcome.CREATED : ImportOutcome.UPDATED;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void recordLoginFailure(String key, Instant at, Instant forgetBefore) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(forgetBefore, "forgetBefore");
        ensureOpen();
        synchronized (loginFailures) {
            loginFailures.forget(forgetBefore);
            loginFailures.add(key, at.truncatedTo(ChronoUnit.MILLIS));
        }
    }

    @Override
    public List<Instant> loginFailures(String key, Instant since) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(since, "since");
        ensureOpen();
        synchronized (loginFailures) {
            return loginFailures.after(key, since);
        }
    }

    @Override
    public void clearLoginFailures(String key) {
        Objects.requireNonNull(key, "key");
        ensureOpen();
        synchronized (loginFailures) {
            loginFailures.clear(key);
        }
    }

    /**
     * Failed logins by key, and by time for forgetting: the two indexes of the SQLite table
     * {@code login_failures}. Not thread-safe; the store synchronizes on it.
     */
    private static final class LoginFailures {
        private final Map<String, List<Instant>> byKey = new HashMap<>();
        private final NavigableMap<Instant, List<String>> keysByTime = new TreeMap<>();

        void add(String key, Instant at) {
            List<Instant> times = byKey.computeIfAbsent(key, k -> new ArrayList<>());
            int index = times.size();
            while (index > 0 && times.get(index - 1).isAfter(at)) {
                index--; // keep each key's times sorted even if failures arrive out of order
            }
            times.add(index, at);
            keysByTime.computeIfAbsent(at, t -> new ArrayList<>()).add(key);
        }

        void forget(Instant before) {
            NavigableMap<Instant, List<String>> old = keysByTime.headMap(before, true);
            for (List<String> keys : old.values()) {
                for (String key : keys) {
                    List<Instant> times = byKey.get(key);
                    if (times != null) {
                        times.removeIf(t -> !t.isAfter(before));
                        if (times.isEmpty()) {
                            byKey.remove(key);
                        }
                    }
                }
            }
            old.clear();
        }

        List<Instant> after(String key, Instant since) {
            return byKey.getOrDefault(key, List.of()).stream()
                    .filter(t -> t.isAfter(since))
                    .toList();
        }

        void clear(String key) {
            byKey.remove(key); // its entries in keysByTime go when their time is forgotten
        }
    }
}
