package dev.servicekit.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tokens one {@link JwtAuthenticator} has verified, so that a token sent again is not verified again.
 *
 * <p><b>Key</b>: the whole token string, compared with {@link String#equals}; never a hash or a prefix, so a token
 * that differs from a cached one in any character is a miss and is verified in full. <b>Value</b>: the caller
 * (subject and scopes) and the time window in which the uncached path would accept the token ({@code nbf}/{@code iat}
 * to {@code exp}, each widened by the clock skew exactly as {@link JwtClaimsRules} widens them). An entry is served
 * only while the clock is inside that window <em>and</em> before {@code maxAge} has passed since the token was
 * verified; outside it the lookup is a miss and the token is verified again (which then refuses it, or caches it
 * anew). Only tokens that passed every check are stored: a refused token is never cached.
 *
 * <p><b>Bound</b>: at most {@code maxEntries} entries once every insert has returned (concurrent inserts may pass it
 * by one entry each for the moment before they evict). When an insert finds the cache over its bound it removes the
 * entries already outside their window, then arbitrary ones (the hash order of the map, which has nothing to do with
 * age or use) until one sixteenth of the bound is free, so eviction runs once per {@code maxEntries/16} inserts.
 *
 * <p><b>Invalidation</b>: {@link #clear()} (the JWKS key set changed) empties the cache, and an insert prepared by a
 * verification that started before the clear is dropped: {@link #generation()} is read before verifying and
 * {@link #put} re-checks it after inserting. A reload that changes a key, issuer, audience, skew or the cache settings
 * builds a new authenticator and so a new, empty cache.
 *
 * <p>Thread-safe; lookups take no lock.
 */
final class VerifiedTokenCache {

    /** Counts lookups. */
    interface Meters {
        /** Records nothing. */
        Meters NONE = new Meters() {
            @Override
            public void hit() {}

            @Override
            public void miss() {}
        };

        void hit();

        void miss();

        /**
         * {@value #REQUESTS} [{@code auth_token_cache_requests_total}] tagged {@code result} = {@code hit} or
         * {@code miss}; registering twice returns the same counters, so every authenticator a reload builds adds to
         * them.
         */
        static Meters registeredIn(MeterRegistry registry) {
            Counter hits = Counter.builder(REQUESTS)
                    .description("Bearer tokens found in the verified-token cache (hit) or verified in full (miss)")
                    .tag("result", "hit")
                    .register(registry);
            Counter misses = Counter.builder(REQUESTS)
                    .description("Bearer tokens found in the verified-token cache (hit) or verified in full (miss)")
                    .tag("result", "miss")
                    .register(registry);
            return new Meters() {
                @Override
                public void hit() {
                    hits.increment();
                }

                @Override
                public void miss() {
                    misses.increment();
                }
            };
        }
    }

    /** Lookups, tagged {@code result}. */
    static final String REQUESTS = "auth.token.cache.requests";
    /** Entries held by the cache of the authenticator in use. */
    static final String ENTRIES = "auth.token.cache.entries";

    /**
     * A verified token: served while {@code acceptedFrom <= now < acceptedUntil} and {@code now < cachedUntil}.
     */
    private record Entry(AuthenticatedCaller caller, Instant acceptedFrom, Instant acceptedUntil, Instant cachedUntil) {
        boolean servable(Instant now) {
            return !now.isBefore(acceptedFrom) && now.isBefore(acceptedUntil) && now.isBefore(cachedUntil);
        }

        /** Past its end: it can never be served again (unless the clock goes back, which only costs a verification). */
        boolean ended(Instant now) {
            return !now.isBefore(acceptedUntil) || !now.isBefore(cachedUntil);
        }
    }

    private final Duration maxAge;
    private final int maxEntries;
    private final Meters meters;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** The number of entries; changed only by the thread whose put or remove changed the map. */
    private final AtomicInteger size = new AtomicInteger();
    /** Bumped by every {@link #clear()}. */
    private final AtomicLong generation = new AtomicLong();

    private final ReentrantLock evictionLock = new ReentrantLock();

    /**
     * @param maxAge     the longest an entry is served after its token was verified; zero disables the cache
     * @param maxEntries the bound, at least 1
     */
    VerifiedTokenCache(Duration maxAge, int maxEntries, Meters meters) {
        this.maxAge = maxAge;
        this.maxEntries = maxEntries;
        this.meters = meters;
    }

    /** False when {@code maxAge} is zero: nothing is looked up, stored or counted. */
    boolean enabled() {
        return !maxAge.isZero();
    }

    /**
     * The caller of {@code token} if it was verified and is still servable at {@code now}; counts a hit or a miss.
     *
     * @param keysCurrent false when the keys must be checked again first (JWKS keys past their lifetime): a miss
     */
    Optional<AuthenticatedCaller> find(String token, Instant now, boolean keysCurrent) {
        if (!keysCurrent) {
            meters.miss();
            return Optional.empty();
        }
        Entry entry = entries.get(token);
        if (entry != null && entry.servable(now)) {
            meters.hit();
            return Optional.of(entry.caller());
        }
        if (entry != null && entry.ended(now)) {
            remove(token, entry);
        }
        meters.miss();
        return Optional.empty();
    }

    /** Read before verifying a token; hand it to {@link #put}. */
    long generation() {
        return generation.get();
    }

    /**
     * Stores a token that has just passed every check.
     *
     * @param verifiedAt      the time the token was checked against; {@code maxAge} counts from here
     * @param generationSeen  {@link #generation()} read before the verification began; if a {@link #clear()} happened
     *                        since, nothing is stored
     */
    void put(
            String token,
            AuthenticatedCaller caller,
            Instant acceptedFrom,
            Instant acceptedUntil,
            Instant verifiedAt,
            long generationSeen) {
        if (!enabled() || generation.get() != generationSeen) {
            return;
        }
        Entry entry = new Entry(caller, acceptedFrom, acceptedUntil, verifiedAt.plus(maxAge));
        if (entries.put(token, entry) == null && size.incrementAndGet() > maxEntries) {
            evict(verifiedAt);
        }
        if (generation.get() != generationSeen) {
            // A clear ran while this token was verified; its sweep may have missed this entry.
            remove(token, entry);
        }
    }

    /** Empties the cache; inserts by verifications that began before this call are dropped. */
    void clear() {
        generation.incrementAndGet();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            remove(e.getKey(), e.getValue());
        }
    }

    /** The number of entries. */
    int size() {
        return size.get();
    }

    private void remove(String token, Entry entry) {
        if (entries.remove(token, entry)) {
            size.decrementAndGet();
        }
    }

    /** Ended entries first, then arbitrary ones, until a sixteenth of the bound is free. */
    private void evict(Instant now) {
        evictionLock.lock();
        try {
            if (size.get() <= maxEntries) {
                return; // another insert evicted already
            }
            int target = maxEntries - Math.max(1, maxEntries / 16);
            for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Entry> e = it.next();
                if (e.getValue().ended(now)) {
                    remove(e.getKey(), e.getValue());
                }
            }
            for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
                    it.hasNext() && size.get() > target; ) {
                Map.Entry<String, Entry> e = it.next();
                remove(e.getKey(), e.getValue());
            }
        } finally {
            evictionLock.unlock();
        }
    }
}
