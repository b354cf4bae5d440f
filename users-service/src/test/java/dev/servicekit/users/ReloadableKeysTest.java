package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.LoggingConfigurator;
import dev.servicekit.core.ReloadReport;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key the schema marks reloadable is changed on a running users-service (in this JVM, started as {@code run}
 * starts it, auth on) and its effect is observed before and after the reload. The tests are generated from the
 * schema: a new reloadable key without a probe here fails the build, and so does a probe for a key that is no
 * longer reloadable (SPEC §17, HOUSE-STYLE 24). Next to them, what a probe shows only after a reload and a service
 * must also do when configured so from its start (the token endpoint's 404 with a public key or JWKS).
 */
@SuppressWarnings("try") // held requests are sockets kept open for the block and closed by it
class ReloadableKeysTest {

    @TempDir
    Path dir;

    /** How each reloadable key is proven: the file the service starts with, and what the probe changes and sees. */
    interface Probe {
        /** Keys written to the configuration file before start (the probe's key may be among them). */
        default Map<String, String> initial(Running service) throws Exception {
            return Map.of();
        }

        /** Observes, changes the key through the file and a reload, observes again. */
        void run(Running service) throws Exception;
    }

    @TestFactory
    Stream<DynamicTest> everyReloadableKeyIsAppliedByAReloadOfARunningService() {
        Map<String, Probe> probes = probes();
        List<String> reloadable = UsersServiceApplication.schema().keys().stream()
                .filter(ConfigKey::reloadable)
                .map(ConfigKey::name)
                .toList();
        assertThat(reloadable).as("the schema has reloadable keys").isNotEmpty();
        Stream<DynamicTest> keys = reloadable.stream()
                .map(name -> dynamicTest(name, () -> {
                    Probe probe = probes.get(name);
                    if (probe == null) {
                        fail("The reloadable key " + name
                                + " has no test of its effect: add a probe for it to ReloadableKeysTest that changes it on a "
                                + "running host and observes the effect (or stop marking it reloadable)");
                    }
                    try (Running service = Running.start(dir.resolve(name), probe)) {
                        probe.run(service);
                    }
                }));
        Stream<DynamicTest> stale = probes.keySet().stream()
                .filter(name -> !reloadable.contains(name))
                .map(name -> dynamicTest(
                        "probe " + name, () -> fail(name + " has a probe but is not a reloadable key of the schema")));
        return Stream.concat(keys, stale);
    }

    private static Map<String, Probe> probes() {
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("limits.max-body-size", service -> {
            String big = "{\"name\":\"" + "a".repeat(3000) + "\",\"email\":\"big@example.com\"}";
            assertThat(service.api.post("/api/v1/users", big, service.bearer()).status())
                    .isNotEqualTo(413);
            service.reload("limits.max-body-size", "2KiB");
            assertThat(service.api.post("/api/v1/users", big, service.bearer()).status())
                    .isEqualTo(413);
        });
        probes.put("limits.max-concurrent-requests", new Probe() {
            @Override
            public Map<String, String> initial(Running service) {
                return Map.of("limits.queue-timeout", "0s");
            }

            @Override
            public void run(Running service) throws Exception {
                try (Socket held = service.holdARequest()) {
                    assertThat(service.api
                                    .get("/api/v1/users", service.bearer())
                                    .status())
                            .isEqualTo(200);
                }
                service.reload("limits.max-concurrent-requests", "1");
                try (Socket held = service.holdARequest()) {
                    assertThat(service.api
                                    .get("/api/v1/users", service.bearer())
                                    .status())
                            .as("one slot, and it is taken")
                            .isEqualTo(503);
                }
            }
        });
        probes.put("limits.queue-timeout", new Probe() {
            @Override
            public Map<String, String> initial(Running service) {
                return Map.of("limits.max-concurrent-requests", "1", "limits.queue-timeout", "0s");
            }

            @Override
            public void run(Running service) throws Exception {
                try (Socket held = service.holdARequest()) {
                    assertThat(service.api
                                    .get("/api/v1/users", service.bearer())
                                    .header("Retry-After"))
                            .contains("1");
                }
                service.reload("limits.queue-timeout", "1500ms");
                try (Socket held = service.holdARequest()) {
                    long begin = System.nanoTime();
                    TestResponse shed = service.api.get("/api/v1/users", service.bearer());
                    assertThat(shed.status()).isEqualTo(503);
                    assertThat(shed.header("Retry-After"))
                            .as("the new timeout, rounded up to seconds")
                            .contains("2");
                    assertThat(Duration.ofNanos(System.nanoTime() - begin))
                            .isGreaterThanOrEqualTo(Duration.ofMillis(1400));
                }
            }
        });
        probes.put("http.cors.allowed-origins", service -> {
            String origin = "https://app.example.com";
            assertThat(service.api
                            .get("/api/v1/users", "Origin", origin, "Authorization", service.bearer()[1])
                            .header("Access-Control-Allow-Origin"))
                    .isEmpty();
            service.reload("http.cors.allowed-origins", origin);
            assertThat(service.api
                            .get("/api/v1/users", "Origin", origin, "Authorization", service.bearer()[1])
                            .header("Access-Control-Allow-Origin"))
                    .contains(origin);
        });
        probes.put("log.level", service -> {
            String before = service.management
                    .get("/admin/loggers/ROOT", service.bearer())
                    .json()
                    .path("effectiveLevel")
                    .asText();
            try {
                service.reload("log.level", "error");
                assertThat(service.management
                                .get("/admin/loggers/ROOT", service.bearer())
                                .json()
                                .path("effectiveLevel")
                                .asText())
                        .isEqualTo("ERROR");
            } finally {
                LoggingConfigurator.setLevel(LoggingConfigurator.ROOT, Optional.of(before));
            }
        });
        probes.put("log.access", service -> {
            try (LogCapture access = LogCapture.of(LoggingConfigurator.ACCESS_LOGGER)) {
                LoggingConfigurator.setLevel(LoggingConfigurator.ACCESS_LOGGER, Optional.of("INFO"));
                service.api.get("/api/v1/users/1", service.bearer());
                // The line is logged just after the response is sent, so it may come after the client has the response.
                Poll.until(
                        Duration.ofSeconds(5),
                        "the access line of /api/v1/users/1",
                        access::messages,
                        lines -> lines.stream().anyMatch(line -> line.contains("/api/v1/users/1")));
                service.reload("log.access", "false");
                service.api.get("/api/v1/users/2", service.bearer());
                Poll.during(
                        Duration.ofMillis(500),
                        "no access line for /api/v1/users/2",
                        () -> access.events().stream()
                                .map(ILoggingEvent::getFormattedMessage)
                                .noneMatch(line -> line.contains("/api/v1/users/2")));
            } finally {
                LoggingConfigurator.setLevel(LoggingConfigurator.ACCESS_LOGGER, Optional.empty());
            }
        });
        probes.put("auth.hs256-secret-file", new Probe() {
            @Override
            public Map<String, String> initial(Running service) throws Exception {
                return Map.of(
                        "auth.hs256-secret-file", service.secretFile("a.key").toString());
            }

            @Override
            public void run(Running service) throws Exception {
                String oldToken = service.hs256Token(
                        service.dir.resolve("a.key"),
                        "servicekit",
                        "api",
                        Instant.now().plusSeconds(600),
                        "");
                assertThat(service.usersStatus(oldToken)).isEqualTo(200);
                Path next = service.secretFile("b.key");
                service.reload("auth.hs256-secret-file", next.toString());
                String newToken = service.hs256Token(
                        next, "servicekit", "api", Instant.now().plusSeconds(600), "");
                assertThat(service.usersStatus(oldToken)).isEqualTo(401);
                assertThat(service.usersStatus(newToken)).isEqualTo(200);
            }
        });
        probes.put("auth.public-key-file", service -> {
            RSAKey key = new RSAKeyGenerator(2048).keyID("pem").generate();
            Path pem = publicKeyPem(service.dir, key);
            String rsaToken = rs256(key, "servicekit", "api");
            assertThat(service.usersStatus(rsaToken)).isEqualTo(401);
            service.reload("auth.public-key-file", pem.toString());
            assertThat(service.usersStatus(rsaToken)).isEqualTo(200);
            assertThat(service.api.get("/api/v1/users", service.bearer()).status())
                    .as("the HS256 key is no longer the source")
                    .isEqualTo(401);
            service.assertIssuesNoTokens("auth.public-key-file");
        });
        probes.put("auth.jwks-url", service -> {
            RSAKey key = new RSAKeyGenerator(2048).keyID("jwks").generate();
            HttpServer jwks = serveJwks(key);
            try {
                String rsaToken = rs256(key, "servicekit", "api");
                assertThat(service.usersStatus(rsaToken)).isEqualTo(401);
                service.reload("auth.jwks-url", jwksUrl(jwks));
                assertThat(service.usersStatus(rsaToken)).isEqualTo(200);
                service.assertIssuesNoTokens("auth.jwks-url");
            } finally {
                jwks.stop(0);
            }
        });
        probes.put("auth.issuer", service -> {
            String token = service.hs256Token(
                    service.defaultKey(),
                    "https://id.example.com",
                    "api",
                    Instant.now().plusSeconds(600),
                    "");
            assertThat(service.usersStatus(token)).isEqualTo(401);
            service.reload("auth.issuer", "https://id.example.com");
            assertThat(service.usersStatus(token)).isEqualTo(200);
        });
        probes.put("auth.audience", service -> {
            String token = service.hs256Token(
                    service.defaultKey(),
                    "servicekit",
                    "users-api",
                    Instant.now().plusSeconds(600),
                    "");
            assertThat(service.usersStatus(token)).isEqualTo(401);
            service.reload("auth.audience", "users-api");
            assertThat(service.usersStatus(token)).isEqualTo(200);
        });
        probes.put("auth.clock-skew", service -> {
            String expired = service.hs256Token(
                    service.defaultKey(), "servicekit", "api", Instant.now().minusSeconds(90), "");
            assertThat(service.usersStatus(expired)).isEqualTo(401);
            service.reload("auth.clock-skew", "3m");
            assertThat(service.usersStatus(expired))
                    .as("expired 90 s ago, within 3 minutes of skew")
                    .isEqualTo(200);
        });
        probes.put("auth.max-token-size", service -> {
            String large = service.hs256Token(
                    service.defaultKey(), "servicekit", "api", Instant.now().plusSeconds(600), "x".repeat(400));
            assertThat(service.usersStatus(large)).isEqualTo(200);
            service.reload("auth.max-token-size", "256B");
            TestResponse refused = service.api.get("/api/v1/users", "Authorization", "Bearer " + large);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.json().path("detail").asText()).contains("longer than 256 bytes");
        });
        probes.put("auth.cache.max-age", new Probe() {
            @Override
            public Map<String, String> initial(Running service) {
                return Map.of("auth.cache.max-age", "0s");
            }

            @Override
            public void run(Running service) throws Exception {
                String token = service.hs256Token(
                        service.defaultKey(), "servicekit", "api", Instant.now().plusSeconds(600), "-cache");
                assertThat(service.usersStatus(token)).isEqualTo(200);
                assertThat(service.usersStatus(token)).isEqualTo(200);
                assertThat(service.metric("auth_token_cache_requests_total", "result=\"hit\""))
                        .as("cache off")
                        .isZero();
                service.reload("auth.cache.max-age", "1m");
                assertThat(service.usersStatus(token)).isEqualTo(200);
                assertThat(service.usersStatus(token)).isEqualTo(200);
                assertThat(service.metric("auth_token_cache_requests_total", "result=\"hit\""))
                        .as("the second request is served from the cache")
                        .isEqualTo(1);
            }
        });
        probes.put("auth.cache.max-entries", new Probe() {
            @Override
            public Map<String, String> initial(Running service) {
                return Map.of("auth.cache.max-entries", "1");
            }

            @Override
            public void run(Running service) throws Exception {
                for (String who : List.of("-a", "-b", "-c")) {
                    String token = service.hs256Token(
                            service.defaultKey(),
                            "servicekit",
                            "api",
                            Instant.now().plusSeconds(600),
                            who);
                    assertThat(service.usersStatus(token)).isEqualTo(200);
                }
                assertThat(service.metric("auth_token_cache_entries", "")).isLessThanOrEqualTo(1);
                service.reload("auth.cache.max-entries", "100");
                for (String who : List.of("-a", "-b", "-c")) {
                    String token = service.hs256Token(
                            service.defaultKey(),
                            "servicekit",
                            "api",
                            Instant.now().plusSeconds(600),
                            who);
                    assertThat(service.usersStatus(token)).isEqualTo(200);
                }
                assertThat(service.metric("auth_token_cache_entries", "")).isEqualTo(3);
            }
        });
        probes.put("auth.token-ttl", service -> {
            String user = "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}";
            assertThat(service.api.post("/api/v1/users", user, service.bearer()).status())
                    .isEqualTo(201);
            String login = "{\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}";
            assertThat(service.api
                            .post("/api/v1/auth/token", login)
                            .json()
                            .path("expires_in")
                            .asLong())
                    .isEqualTo(3600);
            service.reload("auth.token-ttl", "5m");
            assertThat(service.api
                            .post("/api/v1/auth/token", login)
                            .json()
                            .path("expires_in")
                            .asLong())
                    .isEqualTo(300);
        });
        return probes;
    }

    /**
     * Issue 15: the key file rewritten in place (same path, new secret) and a reload: a token of the old key that the
     * verified-token cache holds is refused at once.
     */
    @org.junit.jupiter.api.Test
    void aKeyFileRewrittenInPlaceEmptiesTheVerifiedTokenCache() throws Exception {
        try (Running service = Running.start(dir, new Probe() {
            @Override
            public void run(Running ignored) {}
        })) {
            String oldToken = service.hs256Token(
                    service.defaultKey(), "servicekit", "api", Instant.now().plusSeconds(600), "");
            assertThat(service.usersStatus(oldToken)).isEqualTo(200);
            assertThat(service.usersStatus(oldToken)).isEqualTo(200);
            assertThat(service.metric("auth_token_cache_requests_total", "result=\"hit\""))
                    .as("cached")
                    .isEqualTo(1);

            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Files.writeString(service.defaultKey(), Base64.getEncoder().encodeToString(secret) + "\n");
            ReloadReport report = service.host.reload();
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.applied()).as(report.summary()).contains("auth.hs256-secret-file");

            assertThat(service.usersStatus(oldToken)).isEqualTo(401);
            assertThat(service.usersStatus(service.hs256Token(
                            service.defaultKey(),
                            "servicekit",
                            "api",
                            Instant.now().plusSeconds(600),
                            "")))
                    .isEqualTo(200);
            assertThat(service.metric("auth_token_cache_entries", ""))
                    .as("a new, empty cache took only the new token")
                    .isEqualTo(1);
        }
    }

    /**
     * docs/security.md: with a public key the service cannot sign, and the token endpoint answers 404. The probe of
     * auth.public-key-file shows it after a reload; this, for a service configured so from its start.
     */
    @org.junit.jupiter.api.Test
    void aServiceStartedWithAPublicKeyFileAnswersTheTokenEndpointWith404() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("pem").generate();
        assertStartedWithKeySourceIssuesNoTokens(
                key,
                "auth.public-key-file",
                staging -> publicKeyPem(staging.dir, key).toString());
    }

    /** As {@link #aServiceStartedWithAPublicKeyFileAnswersTheTokenEndpointWith404}, with a JWKS URL from the start. */
    @org.junit.jupiter.api.Test
    void aServiceStartedWithAJwksUrlAnswersTheTokenEndpointWith404() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("jwks").generate();
        HttpServer jwks = serveJwks(key);
        try {
            assertStartedWithKeySourceIssuesNoTokens(key, "auth.jwks-url", staging -> jwksUrl(jwks));
        } finally {
            jwks.stop(0);
        }
    }

    /** A key source's value, made once the service's directory exists. */
    interface KeySourceValue {
        String of(Running staging) throws Exception;
    }

    /**
     * Starts the service with {@code keySource} in its configuration file, checks that a token signed with {@code key}
     * is accepted (so the key source is in force), then that the token endpoint answers 404.
     */
    private void assertStartedWithKeySourceIssuesNoTokens(RSAKey key, String keySource, KeySourceValue value)
            throws Exception {
        try (Running service = Running.start(dir, new Probe() {
            @Override
            public Map<String, String> initial(Running staging) throws Exception {
                return Map.of(keySource, value.of(staging));
            }

            @Override
            public void run(Running ignored) {}
        })) {
            assertThat(service.usersStatus(rs256(key, "servicekit", "api")))
                    .as("%s is the key source", keySource)
                    .isEqualTo(200);
            service.assertIssuesNoTokens(keySource);
        }
    }

    /** {@code key}'s public half in a PEM file in {@code dir}, as {@code auth.public-key-file} reads it. */
    private static Path publicKeyPem(Path dir, RSAKey key) throws Exception {
        return Files.writeString(
                dir.resolve("public.pem"),
                "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(key.toRSAPublicKey().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
    }

    /** A started server on a free loopback port that serves {@code key}'s public half at {@link #jwksUrl}. */
    private static HttpServer serveJwks(RSAKey key) throws IOException {
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks.json", exchange -> {
            byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwks.start();
        return jwks;
    }

    private static String jwksUrl(HttpServer jwks) {
        return "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json";
    }

    private static String rs256(RSAKey key, String issuer, String audience) throws Exception {
        return sign(
                new RSASSASigner(key),
                JWSAlgorithm.RS256,
                key.getKeyID(),
                issuer,
                audience,
                Instant.now().plusSeconds(600),
                "");
    }

    private static String sign(
            JWSSigner signer,
            JWSAlgorithm algorithm,
            String keyId,
            String issuer,
            String audience,
            Instant expiry,
            String padding)
            throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(audience)
                .subject("ops" + padding)
                .claim("scope", "admin users:read users:write")
                .issueTime(Date.from(expiry.minusSeconds(600)))
                .expirationTime(Date.from(expiry))
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(algorithm)
                        .keyID(keyId)
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** users-service running in this JVM on free ports, with its configuration file in {@link #dir}. */
    static final class Running implements AutoCloseable {
        final Path dir;
        final ServiceHost host;
        final TestHttpClient api;
        final TestHttpClient management;
        private final Map<String, String> file = new LinkedHashMap<>();

        private Running(Path dir, ServiceHost host) {
            this.dir = dir;
            this.host = host;
            this.api = TestHttpClient.create(host.endpoints().get("api").toString());
            this.management =
                    TestHttpClient.create(host.endpoints().get("management").toString());
        }

        static Running start(Path dir, Probe probe) throws Exception {
            Files.createDirectories(dir);
            Running staging = new Running(dir);
            Map<String, String> initial = probe.initial(staging);
            staging.file.putAll(initial);
            staging.writeFile();
            ServiceHost host = ServiceCli.builder(RunningUsersService.application())
                    .environment(Map.of())
                    .build()
                    .start(
                            "http.port=0",
                            "management.port=0",
                            "data-dir=" + dir,
                            "reload.watch=false",
                            "shutdown.drain-timeout=1s");
            Running running = new Running(dir, host);
            running.file.putAll(initial);
            return running;
        }

        /** Before start: only the directory, so a probe can prepare files. */
        private Running(Path dir) {
            this.dir = dir;
            this.host = null;
            this.api = null;
            this.management = null;
        }

        private void writeFile() throws IOException {
            StringBuilder yaml = new StringBuilder();
            file.forEach((key, value) ->
                    yaml.append(key).append(": \"").append(value).append("\"\n"));
            Files.writeString(dir.resolve("config.yaml"), yaml.toString());
        }

        /** Sets one key in the configuration file and reloads; the report must say it was applied. */
        ReloadReport reload(String key, String value) throws IOException {
            file.put(key, value);
            writeFile();
            ReloadReport report = host.reload();
            assertThat(report.ok())
                    .as("reload of %s: %s", key, report.summary())
                    .isTrue();
            assertThat(report.applied())
                    .as("reload of %s: %s", key, report.summary())
                    .contains(key);
            return report;
        }

        /**
         * docs/security.md: with a public key or JWKS the service cannot sign, and the token endpoint answers 404
         * problem+json naming the key source.
         */
        void assertIssuesNoTokens(String keySource) {
            TestResponse response = api.post(
                    AuthApi.TOKEN_PATH, "{\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}");
            assertThat(response.status())
                    .as("%s: %s", keySource, response.body())
                    .isEqualTo(404);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().path("detail").asText())
                    .contains("does not issue tokens")
                    .contains(keySource);
        }

        /** The status of {@code GET /api/v1/users} with this bearer token. */
        int usersStatus(String token) {
            return api.get("/api/v1/users", "Authorization", "Bearer " + token).status();
        }

        /** A base64 HS256 secret in a new owner-only file. */
        Path secretFile(String name) throws IOException {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Path file = dir.resolve(name);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            return Files.writeString(file, Base64.getEncoder().encodeToString(secret) + "\n");
        }

        /** The key the service generated in its data directory. */
        Path defaultKey() {
            return dir.resolve("jwt-hs256.key");
        }

        String hs256Token(Path key, String issuer, String audience, Instant expiry, String padding) throws Exception {
            byte[] secret = Base64.getDecoder().decode(Files.readString(key).strip());
            return sign(new MACSigner(secret), JWSAlgorithm.HS256, null, issuer, audience, expiry, padding);
        }

        /** An {@code Authorization} header with an admin token from the generated key. */
        String[] bearer() throws Exception {
            return new String[] {
                "Authorization",
                "Bearer "
                        + hs256Token(
                                defaultKey(), "servicekit", "api", Instant.now().plusSeconds(600), "")
            };
        }

        /**
         * A POST whose body never finishes arriving: it holds one of the API's request slots until the socket closes.
         * Returns once the request is inside the service (its handler reads the body).
         */
        Socket holdARequest() throws Exception {
            Poll.until(Duration.ofSeconds(5), "no API request in flight", () -> activeRequests() == 0);
            Socket socket = new Socket(
                    InetAddress.getLoopbackAddress(),
                    host.endpoints().get("api").getPort());
            String head =
                    "POST /api/v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
                            + bearer()[0] + ": " + bearer()[1] + "\r\n\r\n{\"name\":";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            Poll.until(Duration.ofSeconds(5), "the held request to take a slot", () -> activeRequests() == 1);
            return socket;
        }

        /** The value of the first sample of {@code name} whose labels contain {@code label}, from {@code /metrics}. */
        double metric(String name, String label) {
            return management
                    .get("/metrics")
                    .body()
                    .lines()
                    .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                    .filter(line -> line.contains(label))
                    .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no sample " + name + " with " + label + " on /metrics"));
        }

        /** The API requests in flight, from the {@code http_server_requests_active} gauge. */
        private int activeRequests() {
            return management
                    .get("/metrics")
                    .body()
                    .lines()
                    .filter(line -> line.startsWith("http_server_requests_active "))
                    .map(line -> (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst()
                    .orElse(-1);
        }

        @Override
        public void close() {
            if (host != null) {
                host.stop();
            }
        }
    }
}
