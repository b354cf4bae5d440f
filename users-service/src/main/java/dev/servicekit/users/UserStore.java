package dev.servicekit.users;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Where users live: create, read, list, replace and delete users, and look up password hashes.
 *
 * <p>Open one with {@link UserStores#open(StoreConfig, java.time.Clock)}:
 *
 * <pre>{@code
 * try (UserStore store = UserStores.open(StoreConfig.create("jdbc:sqlite:/var/lib/users/users.db"), Clock.systemUTC())) {
 *     User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("reader"), Optional.empty()));
 *     store.replace(ada.id(), new UserDraft("Ada L.", "ada@example.org", List.of("writer"), Optional.empty()),
 *             OptionalLong.of(ada.version()));
 * }
 * }</pre>
 *
 * <h2>Threads and blocking</h2>
 * Every method is safe to call from many threads at once. Methods block the calling thread on I/O (call
 * them from request threads or virtual threads, not from an event loop); waiting for a connection or for
 * the database is bounded by the store's connection timeout, and a virtual thread's whole wait by the store's
 * timeout ({@code store.timeout}), after which {@link StoreUnavailableException} is thrown. Each call is atomic: readers see a user either before or after a concurrent write, never half
 * of it.
 *
 * <h2>Durability</h2>
 * When {@code create}, {@code replace} or {@code delete} returns, the change is committed: in the SQLite
 * store it survives the process being killed ({@code kill -9}) and, as far as SQLite, the OS and the disk
 * honour {@code fsync}, a power loss; in the PostgreSQL store it is committed in PostgreSQL, as durable as the
 * server's {@code fsync} and {@code synchronous_commit} make it. If one of them throws, the change was not made
 * (except a {@link StoreUnavailableException} for a wait cut at the store's timeout while the answer was on its
 * way: the change may have been made). The in-memory store
 * keeps nothing when the process exits; it exists for tests and benchmarks.
 *
 * <h2>Failures</h2>
 * All exceptions are unchecked {@link StoreException}s: {@link DuplicateEmailException},
 * {@link UserNotFoundException} and {@link VersionConflictException} for requests that conflict with the
 * data; {@link StoreUnavailableException} when the store cannot answer (including after {@link #close()}), with
 * {@link StoreFullException} (the disk is full) and {@link StoreReadOnlyException} (it cannot write) for writes;
 * a plain {@code StoreException} for anything unexpected. Arguments are never {@code null}.
 *
 * <p>{@code Optional} parameters ({@code afterId}, {@code expectedVersion}) deviate from the house rule
 * "never take an Optional": they mirror HTTP inputs that are optional by nature (cursor, {@code If-Match})
 * and keep one method per operation.
 */
public interface UserStore extends AutoCloseable {

    /**
     * Creates a user with version 1 and {@code createdAt == updatedAt ==} now (millisecond precision).
     *
     * @param draft the user's content
     * @return the stored user with its new id; ids are never reused
     * @throws DuplicateEmailException if another user has the same email, ignoring case
     * @throws StoreUnavailableException if the store cannot answer
     */
    User create(UserDraft draft);

    /**
     * Finds a user by id.
     *
     * @param id the id
     * @return the user, or empty if there is none with this id
     * @throws StoreUnavailableException if the store cannot answer
     */
    Optional<User> find(long id);

    /**
     * Lists users by id ascending, one page at a time (keyset pagination: the page holds users with
     * {@code id > afterId}, so pages stay stable while users are created or deleted).
     *
     * <pre>{@code
     * UserPage page = store.list(50, Optional.empty());
     * while (page.nextAfterId().isPresent()) {
     *     page = store.list(50, page.nextAfterId());
     * }
     * }</pre>
     *
     * @param limit the most users to return, at least 1
     * @param afterId return only users with an id greater than this; empty for the first page
     * @return the page; {@code nextAfterId} is present only if more users follow
     * @throws IllegalArgumentException if {@code limit < 1}
     * @throws StoreUnavailableException if the store cannot answer
     */
    UserPage list(int limit, Optional<Long> afterId);

    /**
     * Replaces all of a user's content (HTTP {@code PUT}): name, email, roles and password hash. Keeps
     * {@code id} and {@code createdAt}; sets {@code updatedAt} to now and increments {@code version}.
     * Because this is a full replace, a draft without a password hash <em>removes</em> the stored hash
     * (the user can no longer obtain a token with a password).
     *
     * <p>Checks, in this order: the user exists, then its version, then email uniqueness.
     *
     * @param id the user to replace
     * @param draft the new content
     * @param expectedVersion if present, replace only if the user is at this version (optimistic locking,
     *     HTTP {@code If-Match}); if empty, replace whatever the current version is
     * @return the stored user
     * @throws UserNotFoundException if there is no user with this id
     * @throws VersionConflictException if {@code expectedVersion} is present and not the current version
     * @throws DuplicateEmailException if another user has the draft's email, ignoring case
     * @throws StoreUnavailableException if the store cannot answer
     */
    User replace(long id, UserDraft draft, OptionalLong expectedVersion);

    /**
     * Deletes a user whatever its version: {@link #delete(long, OptionalLong)} without an expected version.
     *
     * @param id the user to delete
     * @return {@code true} if the user existed and was deleted, {@code false} if there was none
     * @throws StoreUnavailableException if the store cannot answer
     */
    default boolean delete(long id) {
        return delete(id, OptionalLong.empty());
    }

    /**
     * Deletes a user. Its email becomes free; its id is never given out again.
     *
     * @param id the user to delete
     * @param expectedVersion if present, delete only if the user is at this version (optimistic locking, HTTP
     *     {@code If-Match}); if empty, delete whatever the current version is
     * @return {@code true} if the user existed and was deleted, {@code false} if there was none
     * @throws VersionConflictException if {@code expectedVersion} is present and not the current version
     * @throws StoreUnavailableException if the store cannot answer
     */
    boolean delete(long id, OptionalLong expectedVersion);

    /**
     * The user with this email (ignoring case) together with its password hash, for a login.
     *
     * @param email the email to look up
     * @return the credentials, or empty if there is no such user or the user has no password
     * @throws StoreUnavailableException if the store cannot answer
     */
    Optional<UserCredentials> credentials(String email);

    /**
     * Passes every user, with its password hash, to {@code sink} in id order, from one consistent snapshot
     * (users created or changed meanwhile are either all in or all out), without holding them all in memory;
     * for {@code data export} and backups. {@code sink} runs on a store thread and must not call the store.
     *
     * @param sink receives each user
     * @return how many users were passed
     * @throws StoreUnavailableException if the store cannot answer
     */
    long exportAll(Consumer<? super ExportedUser> sink);

    /**
     * Writes a user exactly as exported: id, timestamps, version and password hash are kept (for
     * {@code data import}). A user with this id that is already identical is left alone; one that differs is
     * overwritten with the imported state. Afterwards, users created by {@link #create} get ids greater than
     * every imported id. Running the same import twice changes nothing the second time.
     *
     * @param user the user as exported
     * @return what was done
     * @throws DuplicateEmailException if a user with another id has the same email, ignoring case
     * @throws StoreUnavailableException if the store cannot answer
     */
    ImportOutcome importUser(ExportedUser user);

    /** What {@link #importUser(ExportedUser)} did. */
    enum ImportOutcome {
        /** No user had this id; it was inserted. */
        CREATED,
        /** A user with this id differed; it was overwritten. */
        UPDATED,
        /** A user with this id was already identical. */
        UNCHANGED
    }

    /**
     * Records a failed login for {@code key} (an account or client key of the login throttle) at {@code at},
     * and forgets failures of every key at or before {@code forgetBefore}. The record is shared by every
     * instance on the same database, so the throttle holds fleet-wide.
     *
     * @param key what failed, for example {@code "account:ada@example.org"}
     * @param at when it failed
     * @param forgetBefore failures at or before this time are no longer needed
     * @throws StoreUnavailableException if the store cannot answer
     */
    void recordLoginFailure(String key, Instant at, Instant forgetBefore);

    /**
     * The times of {@code key}'s failed logins after {@code since}, oldest first (millisecond precision).
     *
     * @param key the throttle key
     * @param since only failures after this time
     * @return the failure times, oldest first
     * @throws StoreUnavailableException if the store cannot answer
     */
    List<Instant> loginFailures(String key, Instant since);

    /**
     * Forgets every failed login of {@code key} (after a successful login).
     *
     * @param key the throttle key
     * @throws StoreUnavailableException if the store cannot answer
     */
    void clearLoginFailures(String key);

    /**
     * Checks that the store answers a query on the users table and could take a write now (a store whose
     * writes would block, such as a SQLite file whose write lock another process holds, is unavailable), for
     * readiness checks. Returns promptly: waits at most {@code timeout}.
     *
     * @param timeout how long to wait for the answer, positive
     * @throws StoreUnavailableException if the store is closed, fails, or does not answer in time
     */
    void ping(Duration timeout);

    /**
     * Says what this store is, for logs and status pages, without secrets; for example
     * {@code "sqlite /var/lib/users/users.db"} or {@code "memory"}.
     *
     * @return a one-line description
     */
    String describe();

    /**
     * How many schema migrations opening this store applied: more than 0 only on the start that created or upgraded
     * the database, which the service reports as one-time work ({@code StartContext#oneTimeWork}).
     */
    default int migrationsAppliedAtOpen() {
        return 0;
    }

    /**
     * Closes the store and releases its connections and files. Call it after the last request has
     * finished; later calls throw {@link StoreUnavailableException}. Idempotent; does not throw.
     */
    @Override
    void close();
}
