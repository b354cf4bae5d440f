package dev.servicekit.http;

import static dev.servicekit.http.JwtTestTokens.NOW;
import static dev.servicekit.http.JwtTestTokens.claims;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, done-when #2: key rotation against a JWKS served on a real socket, with the cache lifetime and
 * the refresh rate limit driven by an injected clock (5 min and 30 s, the defaults). The verified-token cache is on,
 * with a max age (1 h) longer than the JWKS lifetime: a key change must reach cached tokens anyway (issue 15).
 */
class JwksRotationTest {

    private static final String PATH = "/api/v1/users";

    private final RSAKey first = JwtTestTokens.rsaKey("key-1");
    private final ECKey second = JwtTestTokens.ecKey("key-2");
    private final List<JWK> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private final JwtTestTokens.MutableClock clock = new JwtTestTokens.MutableClock(NOW);
    private HttpServer jwksHost;
    private ApiServer server;

    @BeforeEach
    void start() throws Exception {
        published.add(first.toPublicJWK());
        jwksHost = HttpServer.create(new InetSocketAddress(HttpTestSupport.HOST, 0), 0);
        jwksHost.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = new JWKSet(List.copyOf(published)).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwksHost.start();
        URI url = URI.create("http://127.0.0.1:" + jwksHost.getAddress().getPort() + "/jwks.json");
        JwtSettings settings = JwtSettings.builder()
                .issuer(JwtTestTokens.ISSUER)
                .audience(JwtTestTokens.AUDIENCE)
                .clock(clock)
                .keySource(JwtKeySource.jwks(url, Duration.ofMinutes(5), Duration.ofSeconds(30)))
                // Longer than the JWKS lifetime: every test here also holds with verified tokens cached for an hour.
                .cacheMaxAge(Duration.ofHours(1))
                .build();
        server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)))
                .routes(List.of(Route.post(PATH, (req, res) -> res.status(201).send("{}"))
                        .requireScopes("users:write")))
                .authenticator(JwtAuthenticator.create(settings))
                .build();
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
        jwksHost.stop(0);
    }

    private int post(String token) {
        return HttpTestSupport.send(HttpTestSupport.request(server.port(), PATH)
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build())
                .statusCode();
    }

    private String tokenOfFirstKey() {
        return JwtTestTokens.rs256(first, claims("alice", "users:write", b -> b));
    }

    private String tokenOfSecondKey() {
        return JwtTestTokens.es256(second, claims("alice", "users:write", b -> b));
    }

    @Test
    void tokenSignedByANewlyPublishedKeyIsAcceptedOnceTheRateLimitAllowsARefresh() {
        assertThat(post(tokenOfFirstKey())).isEqualTo(201);
        assertThat(fetches).hasValue(1);

        published.add(second.toPublicJWK());
        // Fetched less than 30 s ago: the unknown kid does not trigger a fetch yet.
        assertThat(post(tokenOfSecondKey())).isEqualTo(401);
        assertThat(fetches).hasValue(1);

        clock.advance(Duration.ofSeconds(31));
        assertThat(post(tokenOfSecondKey())).isEqualTo(201);
        assertThat(fetches).hasValue(2);
        assertThat(post(tokenOfFirstKey())).isEqualTo(201);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void floodOfUnknownKidsCausesAtMostOneFetchPerRefreshInterval() throws Exception {
        assertThat(post(tokenOfFirstKey())).isEqualTo(201);
        clock.advance(Duration.ofSeconds(31));

        RSAKey stranger = JwtTestTokens.rsaKey("unused");
        List<String> strangers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            strangers.add(JwtTestTokens.sign(
                    JWSAlgorithm.RS256,
                    "made-up-" + i,
                    new RSASSASigner(stranger),
                    claims("mallory", "users:write", b -> b)));
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (String token : strangers) {
                    answers.add(pool.submit(() -> post(token)));
                }
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(401);
            }
        }

        // One fetch at the start, one for the whole flood of 100 unknown-kid tokens.
        assertThat(fetches).hasValue(2);

        clock.advance(Duration.ofSeconds(31));
        assertThat(post(strangers.getFirst())).isEqualTo(401);
        assertThat(fetches).hasValue(3);
    }

    @Test
    void keysAreFetchedAgainWhenTheCacheExpiresSoARemovedKeyStopsWorking() {
        assertThat(post(tokenOfFirstKey())).isEqualTo(201);
        published.clear();
        published.add(second.toPublicJWK());

        clock.advance(Duration.ofMinutes(4));
        assertThat(post(tokenOfFirstKey())).as("still cached").isEqualTo(201);
        assertThat(fetches).hasValue(1);

        clock.advance(Duration.ofMinutes(1));
        assertThat(post(tokenOfFirstKey())).as("cache expired, key withdrawn").isEqualTo(401);
        assertThat(post(tokenOfSecondKey())).isEqualTo(201);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void cachedKeysStayInUseWhenTheJwksServerIsDown() {
        assertThat(post(tokenOfFirstKey())).isEqualTo(201);
        jwksHost.stop(0);

        clock.advance(Duration.ofMinutes(6));

        assertThat(post(tokenOfFirstKey())).isEqualTo(201);
    }

    @Test
    void aCachedTokenIsRefusedOnceARefreshFindsItsKeyWithdrawn() {
        String cached = tokenOfFirstKey();
        assertThat(post(cached)).isEqualTo(201);
        assertThat(post(cached)).as("served from the verified-token cache").isEqualTo(201);

        published.clear();
        published.add(second.toPublicJWK());
        clock.advance(Duration.ofSeconds(31));
        assertThat(post(tokenOfSecondKey()))
                .as("unknown kid: the JWKS is fetched again")
                .isEqualTo(201);
        assertThat(fetches).hasValue(2);

        assertThat(post(cached))
                .as("within its exp, the token cache's max age and the JWKS lifetime, but its key is gone")
                .isEqualTo(401);
    }

    @Test
    void aCachedTokenIsCheckedAgainOnceTheJwksKeysPassTheirLifetime() {
        String cached = tokenOfFirstKey();
        assertThat(post(cached)).isEqualTo(201);
        published.clear();
        published.add(second.toPublicJWK());

        clock.advance(Duration.ofMinutes(5));

        assertThat(post(cached))
                .as("the keys are fetched again instead of trusting the cache")
                .isEqualTo(401);
        assertThat(fetches).hasValue(2);
    }
}
