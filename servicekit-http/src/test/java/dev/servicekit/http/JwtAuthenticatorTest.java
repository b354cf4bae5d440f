package dev.servicekit.http;

import static dev.servicekit.http.JwtTestTokens.NOW;
import static dev.servicekit.http.JwtTestTokens.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key sources, the issuer, and what an authenticated request leaves behind (access log, public routes). */
class JwtAuthenticatorTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static JwtSettings settings(JwtKeySource keys) {
        return JwtSettings.builder()
                .issuer(JwtTestTokens.ISSUER)
                .audience(JwtTestTokens.AUDIENCE)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .keySource(keys)
                .build();
    }

    private static ApiServer start(JwtKeySource keys) {
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)))
                .routes(List.of(
                        Route.post(
                                        "/api/v1/users",
                                        (req, res) -> res.status(201).send("{}"))
                                .requireScopes("users:write"),
                        Route.get("/api/v1/public", (req, res) -> res.send("open")),
                        Route.get(
                                        "/api/v1/me",
                                        (req, res) -> res.send(req.context()
                                                .get(AuthenticatedCaller.class)
                                                .orElseThrow()
                                                .subject()))
                                .requireScopes("users:read")))
                .authenticator(JwtAuthenticator.create(settings(keys)))
                .build();
        server.start();
        return server;
    }

    private static HttpResponse<String> send(ApiServer server, String method, String path, String token) {
        HttpRequest.Builder request =
                HttpTestSupport.request(server.port(), path).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpTestSupport.send(request.build());
    }

    @Test
    void secretsShorterThan256BitsAreRefusedWithTheFix() {
        assertThatThrownBy(() -> JwtKeySource.hs256Secret(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("248 bits")
                .hasMessageContaining("at least 256 bits");
    }

    @Test
    void secretNeverAppearsInTheKeySourceString() {
        assertThat(JwtKeySource.hs256Secret(SECRET).toString())
                .doesNotContain("0123456789")
                .contains("256 bits");
    }

    @Test
    void tokensOfTheIssuerAreAcceptedByAnAuthenticatorWithTheSameSecret() throws Exception {
        JwtIssuer issuer = JwtIssuer.create(settings(JwtKeySource.hs256Secret(SECRET)));

        String token = issuer.issue("user-42", Set.of("users:write", "users:read"), Duration.ofHours(1));

        SignedJWT parsed = SignedJWT.parse(token);
        assertThat(parsed.getHeader().getAlgorithm().getName()).isEqualTo("HS256");
        assertThat(parsed.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(parsed.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(parsed.getJWTClaimsSet().getJWTID()).isNotBlank();
        assertThat(parsed.getJWTClaimsSet().getStringClaim("scope")).isEqualTo("users:read users:write");
        AuthenticatedCaller caller = JwtAuthenticator.create(settings(JwtKeySource.hs256Secret(SECRET)))
                .verify(token);
        assertThat(caller).isEqualTo(new AuthenticatedCaller("user-42", Set.of("users:read", "users:write")));
    }

    @Test
    void issuerTokensAreRefusedByAServerWithAnotherSecret() {
        String token = JwtIssuer.create(settings(JwtKeySource.hs256Secret(SECRET)))
                .issue("user-42", Set.of("users:write"), Duration.ofHours(1));
        byte[] other = SECRET.clone();
        other[0] ^= 1;

        assertThatThrownBy(() -> JwtAuthenticator.create(settings(JwtKeySource.hs256Secret(other)))
                        .verify(token))
                .isInstanceOfSatisfying(ProblemException.class, p -> {
                    assertThat(p.status()).isEqualTo(401);
                    assertThat(p.detail()).contains("signature is invalid");
                });
    }

    @Test
    void issuerCannotSignWithAPublicKey() {
        RSAKey rsa = JwtTestTokens.rsaKey("k");

        assertThatThrownBy(() -> JwtIssuer.create(settings(JwtKeySource.publicKey(rsa.toRSAPublicKey()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HS256 secret");
    }

    @Test
    void es256TokenIsAcceptedWithAnEcPemKeyAndAnRs256TokenIsNot() throws Exception {
        ECKey ec = JwtTestTokens.ecKey("ec");
        JwtAuthenticator auth = JwtAuthenticator.create(
                settings(JwtKeySource.publicKeyPem(JwtTestTokens.writePem(dir, "ec.pem", ec.toECPublicKey()))));

        assertThat(auth.verify(JwtTestTokens.es256(ec, claims("bob", "users:read", b -> b)))
                        .subject())
                .isEqualTo("bob");
        assertThatThrownBy(() -> auth.verify(
                        JwtTestTokens.rs256(JwtTestTokens.rsaKey("r"), claims("bob", "users:read", b -> b))))
                .isInstanceOfSatisfying(
                        ProblemException.class,
                        p -> assertThat(p.detail()).contains("algorithm this service does not accept"));
    }

    @Test
    void pemFileWithAPrivateKeyIsRefusedWithTheOpensslFix() throws Exception {
        Path file = Files.writeString(
                dir.resolve("private.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> JwtKeySource.publicKeyPem(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("openssl pkey");
    }

    @Test
    void missingPemFileIsRefusedNamingTheFile() {
        Path file = dir.resolve("absent.pem");

        assertThatThrownBy(() -> JwtKeySource.publicKeyPem(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void rsaKeysUnder2048BitsAreRefused() throws Exception {
        RSAKey weak = new RSAKeyGenerator(1024, true).generate();

        assertThatThrownBy(() -> JwtKeySource.publicKey(weak.toRSAPublicKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1024 bits");
    }

    @Test
    void ecKeysOffCurveP256AreRefusedNamingTheFile() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        PublicKey p384 = generator.generateKeyPair().getPublic();
        Path file = JwtTestTokens.writePem(dir, "p384.pem", p384);

        assertThatThrownBy(() -> JwtKeySource.publicKeyPem(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("is not on curve P-256; ES256 needs a P-256 (prime256v1) key");
        assertThatThrownBy(() -> JwtKeySource.publicKey(p384))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not on curve P-256");
    }

    @Test
    void keysOfOtherAlgorithmsAreRefusedNamingTheAlgorithm() throws Exception {
        PublicKey ed25519 =
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();

        assertThatThrownBy(() -> JwtKeySource.publicKey(ed25519))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a \"" + ed25519.getAlgorithm() + "\" key")
                .hasMessageContaining("expected an RSA key (RS256) or an EC P-256 key (ES256)");
        // From a PEM file the JDK's key factories already refuse it, before the key source sees a key.
        Path file = JwtTestTokens.writePem(dir, "ed25519.pem", ed25519);
        assertThatThrownBy(() -> JwtKeySource.publicKeyPem(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("neither RSA nor EC");
    }

    @Test
    void plainHttpJwksUrlIsRefusedUnlessLoopback() {
        assertThatThrownBy(() -> JwtKeySource.jwks(URI.create("http://idp.example.com/jwks.json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must use https");
        assertThat(JwtKeySource.jwks(URI.create("http://127.0.0.1:9/jwks.json")))
                .isNotNull();
    }

    @Test
    void settingsReportEveryMissingValueAtOnce() {
        assertThatThrownBy(() ->
                        JwtSettings.builder().clockSkew(Duration.ofHours(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("issuer is required")
                .hasMessageContaining("audience is required")
                .hasMessageContaining("clock skew")
                .hasMessageContaining("key source is required");
    }

    @Test
    void accessLogLineCarriesTheSubjectOfTheToken() {
        String token = JwtIssuer.create(settings(JwtKeySource.hs256Secret(SECRET)))
                .issue("user-42", Set.of("users:write"), Duration.ofMinutes(5));
        try (LogCapture accessLog = LogCapture.of(AccessLog.LOGGER_NAME)) {
            ApiServer server = start(JwtKeySource.hs256Secret(SECRET));
            try {
                HttpResponse<String> response = send(server, "POST", "/api/v1/users", token);
                assertThat(response.statusCode()).isEqualTo(201);
                String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();

                Poll.until(
                        Duration.ofSeconds(10),
                        "the access log line",
                        () -> accessLog.events().stream()
                                .anyMatch(e ->
                                        requestId.equals(e.getMDCPropertyMap().get("requestId"))));
                ILoggingEvent line = accessLog.events().stream()
                        .filter(e -> requestId.equals(e.getMDCPropertyMap().get("requestId")))
                        .findFirst()
                        .orElseThrow();
                assertThat(line.getFormattedMessage())
                        .endsWith("subject=user-42")
                        .doesNotContain(token);
                assertThat(line.getMDCPropertyMap()).containsEntry("subject", "user-42");
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void handlersSeeTheAuthenticatedCallerInTheRequestContext() {
        String token = JwtIssuer.create(settings(JwtKeySource.hs256Secret(SECRET)))
                .issue("user-7", Set.of("users:read"), Duration.ofMinutes(5));
        ApiServer server = start(JwtKeySource.hs256Secret(SECRET));
        try {
            HttpResponse<String> response = send(server, "GET", "/api/v1/me", token);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("user-7");
        } finally {
            server.stop();
        }
    }

    @Test
    void routesWithoutScopesStayPublicAndCacheable() {
        ApiServer server = start(JwtKeySource.hs256Secret(SECRET));
        try {
            HttpResponse<String> response = send(server, "GET", "/api/v1/public", null);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Cache-Control")).isEmpty();
        } finally {
            server.stop();
        }
    }
}
