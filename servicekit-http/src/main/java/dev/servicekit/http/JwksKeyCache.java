package dev.servicekit.http;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a JWKS URL, fetched lazily and cached. A fetch happens when the cache is empty, when it is
 * older than {@code cacheTtl}, or when no cached key matches a token (a signer rotated in a new {@code kid});
 * in every case at most once per {@code minRefreshInterval}, so a flood of tokens with made-up {@code kid}s
 * cannot turn this service into a load generator against the identity provider. If a fetch fails, the keys
 * already cached stay in use.
 *
 * <p>Nimbus's {@code JWKSourceBuilder} does the same but reads the system time; this cache uses the injected
 * {@link Clock} so the rate limit and expiry are testable. Parsing stays with Nimbus ({@link JWKSet#parse}).
 *
 * <p>When a fetch returns a key set other than the one in use, {@code onKeysChanged} runs after the new keys are in
 * place: the authenticator empties its verified-token cache there, so no token verified with a key that is gone is
 * served again.
 *
 * <p>Thread-safe: fetches are serialized under a lock (request threads are virtual, so waiting is cheap), and
 * a thread that waited re-reads the keys another thread just fetched.
 */
final class JwksKeyCache implements JWKSource<SecurityContext> {

    private static final Logger LOG = LoggerFactory.getLogger(JwksKeyCache.class);
    static final int MAX_JWKS_BYTES = 1024 * 1024;
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

    private final URI url;
    private final Duration cacheTtl;
    private final Duration minRefreshInterval;
    private final Clock clock;
    private final HttpClient client;
    private final ReentrantLock fetchLock = new ReentrantLock();
    private final Runnable onKeysChanged;

    private record Snapshot(JWKSet keys, Instant fetchedAt) {}

    private volatile Snapshot snapshot;
    /** Guarded by fetchLock. */
    private Instant lastAttempt;

    JwksKeyCache(JwtKeySource.Jwks source, Clock clock) {
        this(source, clock, () -> {});
    }

    /**
     * @param onKeysChanged runs (under the fetch lock, once the new keys are in use) when a fetch returns keys other
     *                      than the ones fetched before
     */
    JwksKeyCache(JwtKeySource.Jwks source, Clock clock, Runnable onKeysChanged) {
        this.onKeysChanged = onKeysChanged;
        this.url = source.url();
        this.cacheTtl = source.cacheTtl();
        this.minRefreshInterval = source.minRefreshInterval();
        this.clock = clock;
        this.client = HttpClient.newBuilder()
                .connectTimeout(FETCH_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        Snapshot current = snapshot;
        if (current == null || !clock.instant().isBefore(current.fetchedAt().plus(cacheTtl))) {
            current = refreshIfAllowed();
        }
        List<JWK> matches = current == null ? List.of() : selector.select(current.keys());
        if (matches.isEmpty()) {
            current = refreshIfAllowed();
            matches = current == null ? List.of() : selector.select(current.keys());
        }
        if (current == null) {
            throw new KeySourceException("No keys could be fetched from the JWKS URL " + url + " yet");
        }
        return matches;
    }

    /**
     * Whether the keys in use were fetched less than {@code cacheTtl} ago. While they are not, the verified-token cache
     * is bypassed, so that a verification reaches {@link #get} and refreshes the keys: a cached token never outlives
     * the key set it was verified with by more than the lifetime the JWKS keys themselves have.
     */
    boolean fresh() {
        Snapshot current = snapshot;
        return current != null && clock.instant().isBefore(current.fetchedAt().plus(cacheTtl));
    }

    /** Fetches unless a fetch was attempted less than {@code minRefreshInterval} ago; returns the newest keys. */
    private Snapshot refreshIfAllowed() {
        fetchLock.lock();
        try {
            Instant now = clock.instant();
            if (lastAttempt != null && now.isBefore(lastAttempt.plus(minRefreshInterval))) {
                return snapshot;
            }
            lastAttempt = now;
            try {
                JWKSet fetched = fetch();
                Snapshot previous = snapshot;
                snapshot = new Snapshot(fetched, now);
                LOG.debug("Fetched {} keys from JWKS {}", fetched.size(), url);
                if (previous != null && !previous.keys().toJSONObject(true).equals(fetched.toJSONObject(true))) {
                    LOG.info(
                            "The JWKS at {} changed ({} keys now); verified tokens are checked again",
                            url,
                            fetched.size());
                    onKeysChanged.run();
                }
            } catch (IOException | ParseException e) {
                LOG.warn(
                        "Cannot fetch the JWKS from {}: {}; {}",
                        url,
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(),
                        snapshot == null
                                ? "tokens cannot be verified until it answers"
                                : "keeping the " + snapshot.keys().size() + " keys fetched before");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("Interrupted while fetching the JWKS from {}", url);
            }
            return snapshot;
        } finally {
            fetchLock.unlock();
        }
    }

    private JWKSet fetch() throws IOException, InterruptedException, ParseException {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(FETCH_TIMEOUT)
                .header("Accept", JWKSet.MIME_TYPE + ", application/json")
                .GET()
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP status " + response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
            if (bytes.length > MAX_JWKS_BYTES) {
                throw new IOException("the JWKS is larger than " + MAX_JWKS_BYTES + " bytes");
            }
            // Public keys only: a JWKS that (wrongly) carries private or symmetric keys must not make them usable.
            return JWKSet.parse(new String(bytes, StandardCharsets.UTF_8)).toPublicJWKSet();
        }
    }
}
