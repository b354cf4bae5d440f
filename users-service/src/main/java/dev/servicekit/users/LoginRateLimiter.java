package dev.servicekit.users;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits failed logins per client address and per account: after {@code maxFailures} failures within
 * {@code window}, further attempts are refused until the oldest failure leaves the window. Successful logins
 * clear the account's failures. Thread-safe; memory is bounded by evicting keys whose failures expired.
 */
final class LoginRateLimiter {

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    LoginRateLimiter(int maxFailures, Duration window, Clock clock) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be at least 1, was " + maxFailures);
        }
        this.maxFailures = maxFailures;
        this.window = window;
        this.clock = clock;
    }

    /** How long the caller must wait before trying again, or empty when an attempt is allowed now. */
    Optional<Duration> retryAfter(String clientAddress, String email) {
        Instant now = clock.instant();
        Optional<Duration> byClient = blockedFor(clientKey(clientAddress), now);
        Optional<Duration> byAccount = blockedFor(accountKey(email), now);
        if (byClient.isPresent() && byAccount.isPresent()) {
            return Optional.of(byClient.get().compareTo(byAccount.get()) >= 0 ? byClient.get() : byAccount.get());
        }
        return byClient.isPresent() ? byClient : byAccount;
    }

    void recordFailure(String clientAddress, String email) {
        Instant now = clock.instant();
        add(clientKey(clientAddress), now);
        add(accountKey(email), now);
        if (failures.size() > 10_000) {
            failures.entrySet().removeIf(e -> expired(e.getValue(), now));
        }
    }

    void recordSuccess(String email) {
        failures.remove(accountKey(email));
    }

    private Optional<Duration> blockedFor(String key, Instant now) {
        Deque<Instant> times = failures.get(key);
        if (times == null) {
            return Optional.empty();
        }
        synchronized (times) {
            prune(times, now);
            if (times.size() < maxFailures) {
                return Optional.empty();
            }
            Duration wait = Duration.between(now, times.peekFirst().plus(window));
            return Optional.of(wait.isNegative() || wait.isZero() ? Duration.ofSeconds(1) : wait);
        }
    }

    private void add(String key, Instant now) {
        Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            prune(times, now);
            times.addLast(now);
        }
    }

    private void prune(Deque<Instant> times, Instant now) {
        while (!times.isEmpty() && !times.peekFirst().plus(window).isAfter(now)) {
            times.removeFirst();
        }
    }

    private boolean expired(Deque<Instant> times, Instant now) {
        synchronized (times) {
            prune(times, now);
            return times.isEmpty();
        }
    }

    private static String clientKey(String address) {
        return "ip:" + address;
    }

    private static String accountKey(String email) {
        return "account:" + email.strip().toLowerCase(Locale.ROOT);
    }
}
