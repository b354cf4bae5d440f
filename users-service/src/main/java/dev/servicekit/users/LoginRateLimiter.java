package dev.servicekit.users;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Limits failed logins per client address and per account: after {@code maxFailures} failures within
 * {@code window}, further attempts are refused until enough failures have left the window. Successful logins
 * clear the account's failures.
 *
 * <p>The failures are kept in the {@link UserStore} ({@link UserStore#recordLoginFailure}), not in this JVM, so
 * every instance on one database counts the same failures: an attacker who spreads attempts over instances meets
 * the limit at the same count as one who does not. Each call reads or writes the store and blocks on it; a store
 * that cannot answer throws {@link StoreUnavailableException}, which the token route answers with 503. Two
 * instances checking at the same moment may each let one more attempt through (check and record are separate
 * calls), so under a concurrent burst the limit can be exceeded by at most the number of requests in flight; the
 * wait is then computed from the failures actually recorded. Thread-safe.
 */
final class LoginRateLimiter {

    private final UserStore store;
    private final int maxFailures;
    private final Duration window;
    private final Clock clock;

    LoginRateLimiter(UserStore store, int maxFailures, Duration window, Clock clock) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be at least 1, was " + maxFailures);
        }
        this.store = Objects.requireNonNull(store, "store");
        this.maxFailures = maxFailures;
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * How long the caller must wait before trying again, or empty when an attempt is allowed now: the longer of
     * the client's and the account's waits.
     */
    Optional<Duration> retryAfter(String clientAddress, String email) {
        Instant now = clock.instant();
        Optional<Duration> byClient = blockedFor(clientKey(clientAddress), now);
        Optional<Duration> byAccount = blockedFor(accountKey(email), now);
        if (byClient.isPresent() && byAccount.isPresent()) {
            return Optional.of(byClient.get().compareTo(byAccount.get()) >= 0 ? byClient.get() : byAccount.get());
        }
        return byClient.isPresent() ? byClient : byAccount;
    }

    /** Records a failed login for the client and for the account; failures older than the window are forgotten. */
    void recordFailure(String clientAddress, String email) {
        Instant now = clock.instant();
        Instant forgetBefore = now.minus(window);
        store.recordLoginFailure(clientKey(clientAddress), now, forgetBefore);
        store.recordLoginFailure(accountKey(email), now, forgetBefore);
    }

    /** Clears the account's failures after a successful login (a read, and a write only if there were any). */
    void recordSuccess(String email) {
        String key = accountKey(email);
        if (!store.loginFailures(key, clock.instant().minus(window)).isEmpty()) {
            store.clearLoginFailures(key);
        }
    }

    /**
     * Empty while fewer than {@code maxFailures} failures are in the window; else the time until the window holds
     * one fewer than that: when the oldest failure that still counts leaves it (the oldest in the window when there
     * are exactly {@code maxFailures}).
     */
    private Optional<Duration> blockedFor(String key, Instant now) {
        List<Instant> times = store.loginFailures(key, now.minus(window));
        if (times.size() < maxFailures) {
            return Optional.empty();
        }
        Instant oldestCounting = times.get(times.size() - maxFailures);
        Duration wait = Duration.between(now, oldestCounting.plus(window));
        return Optional.of(wait.isNegative() || wait.isZero() ? Duration.ofSeconds(1) : wait);
    }

    static String clientKey(String address) {
        return "ip:" + address;
    }

    static String accountKey(String email) {
        return "account:" + email.strip().toLowerCase(Locale.ROOT);
    }
}
