package dev.servicekit.http;

import static dev.servicekit.http.JwtTestTokens.NOW;
import static dev.servicekit.http.JwtTestTokens.claims;
import static dev.servicekit.http.JwtTestTokens.rs256;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 5, done-when #1: every attack gets 401 with the right RFC 6750 error; a valid token without the
 * route's scope gets 403, with it 201. Two real servers: one with an RS256 PEM public key, one with a JWKS URL
 * (served by a JDK HttpServer) holding the same RSA key.
 */
class JwtAttackTableTest {

    private static final RSAKey RSA = JwtTestTokens.rsaKey("rsa-1");
    private static final String PATH = "/api/v1/users";

    @TempDir
    static Path dir;

    private static HttpServer jwksHost;
    private static ApiServer pemServer;
    private static ApiServer jwksServer;
    private static String pem;

    enum Target {
        PEM,
        JWKS
    }

    @BeforeAll
    static void startServers() throws Exception {
        pem = JwtTestTokens.pem(RSA.toRSAPublicKey());
        Path pemFile = JwtTestTokens.writePem(dir, "rsa-public.pem", RSA.toRSAPublicKey());
        pemServer = server(JwtKeySource.publicKeyPem(pemFile));

        byte[] jwks = new JWKSet(RSA.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwksHost = HttpServer.create(new InetSocketAddress(HttpTestSupport.HOST, 0), 0);
        jwksHost.createContext("/jwks.json", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(jwks);
            }
        });
        jwksHost.start();
        URI url = URI.create("http://127.0.0.1:" + jwksHost.getAddress().getPort() + "/jwks.json");
        jwksServer = server(JwtKeySource.jwks(url));
    }

    private static ApiServer server(JwtKeySource keys) {
        JwtSettings settings = JwtSettings.builder()
                .issuer(JwtTestTokens.ISSUER)
                .audience(JwtTestTokens.AUDIENCE)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .keySource(keys)
                .build();
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(64 * 1024, Duration.ofSeconds(5)))
                .routes(List.of(Route.post(PATH, (req, res) -> res.status(201).send("{\"created\":true}"))
                        .requireScopes("users:write")))
                .authenticator(JwtAuthenticator.create(settings))
                .build();
        server.start();
        return server;
    }

    @AfterAll
    static void stopServers() {
        if (pemServer != null) {
            pemServer.stop();
        }
        if (jwksServer != null) {
            jwksServer.stop();
        }
        if (jwksHost != null) {
            jwksHost.stop(0);
        }
    }

    /**
     * One row: the Authorization header sent (if any), to which server, the {@code error} expected (empty: a bare
     * challenge) and a fragment of the expected description, so each row fails for its own reason only.
     */
    record Attack(
            String name, Target target, Optional<String> authorization, Optional<String> error, String description) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Attack invalid(String name, Target target, String token, String description) {
        return new Attack(name, target, Optional.of("Bearer " + token), Optional.of("invalid_token"), description);
    }

    static Stream<Attack> attacks() {
        String validPayload =
                JwtTestTokens.base64Url(claims("mallory", "users:write", b -> b).toString());
        String unsignedHeader = JwtTestTokens.base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        String valid = rs256(RSA, claims("alice", "users:read", b -> b));
        String[] parts = valid.split("\\.");
        String tampered = parts[0] + "."
                + JwtTestTokens.base64Url(claims("alice", "users:write", b -> b).toString()) + "." + parts[2];
        String oversized = rs256(RSA, claims("alice", "users:write", b -> b.claim("padding", "x".repeat(9000))));
        RSAKey stranger = JwtTestTokens.rsaKey("unknown-kid");
        String refusedAlgorithm = "signed with an algorithm this service does not accept";
        String refusedType = "has a type (typ) other than JWT or at+jwt";
        return Stream.of(
                new Attack("no token", Target.PEM, Optional.empty(), Optional.empty(), "needs an access token"),
                new Attack(
                        "another auth scheme",
                        Target.PEM,
                        Optional.of("Basic YWxpY2U6cHc="),
                        Optional.empty(),
                        "needs an access token"),
                invalid("alg none", Target.PEM, unsignedHeader + "." + validPayload + ".", "(alg none)"),
                invalid("alg none (JWKS)", Target.JWKS, unsignedHeader + "." + validPayload + ".", "(alg none)"),
                invalid(
                        "HS256 signed with the RSA public key PEM as secret",
                        Target.PEM,
                        JwtTestTokens.hs256(
                                pem.getBytes(StandardCharsets.US_ASCII), claims("mallory", "users:write", b -> b)),
                        refusedAlgorithm),
                invalid(
                        "HS256 signed with the RSA public key DER as secret",
                        Target.PEM,
                        JwtTestTokens.hs256(encoded(RSA), claims("mallory", "users:write", b -> b)),
                        refusedAlgorithm),
                invalid(
                        "HS256 signed with the RSA public key PEM as secret (JWKS)",
                        Target.JWKS,
                        JwtTestTokens.hs256(
                                pem.getBytes(StandardCharsets.US_ASCII), claims("mallory", "users:write", b -> b)),
                        refusedAlgorithm),
                invalid(
                        "expired",
                        Target.PEM,
                        rs256(
                                RSA,
                                claims(
                                        "alice",
                                        "users:write",
                                        b -> b.expirationTime(Date.from(NOW.minus(Duration.ofMinutes(2)))))),
                        "has expired"),
                invalid(
                        "nbf in the future",
                        Target.PEM,
                        rs256(
                                RSA,
                                claims(
                                        "alice",
                                        "users:write",
                                        b -> b.notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(5)))))),
                        "not valid yet"),
                invalid(
                        "iat in the future",
                        Target.PEM,
                        rs256(
                                RSA,
                                claims(
                                        "alice",
                                        "users:write",
                                        b -> b.issueTime(Date.from(NOW.plus(Duration.ofMinutes(5)))))),
                        "issued in the future"),
                invalid(
                        "no exp",
                        Target.PEM,
                        rs256(RSA, claims("alice", "users:write", b -> b.expirationTime(null))),
                        "no expiry"),
                invalid(
                        "wrong iss",
                        Target.PEM,
                        rs256(RSA, claims("alice", "users:write", b -> b.issuer("https://evil.test"))),
                        "wrong issuer"),
                invalid(
                        "wrong aud",
                        Target.PEM,
                        rs256(RSA, claims("alice", "users:write", b -> b.audience("other-api"))),
                        "not meant for this service"),
                invalid(
                        "no sub",
                        Target.PEM,
                        rs256(RSA, claims("alice", "users:write", b -> b.subject(null))),
                        "no subject"),
                invalid(
                        "typ JOSE+JSON",
                        Target.PEM,
                        JwtTestTokens.rs256Typed(RSA, "JOSE+JSON", claims("alice", "users:write", b -> b)),
                        refusedType),
                invalid(
                        "typ JOSE (JWKS)",
                        Target.JWKS,
                        JwtTestTokens.rs256Typed(RSA, "JOSE", claims("alice", "users:write", b -> b)),
                        refusedType),
                // Token confusion: a security event token (RFC 8417) from the same issuer is not an access token.
                invalid(
                        "typ secevent+jwt",
                        Target.PEM,
                        JwtTestTokens.rs256Typed(RSA, "secevent+jwt", claims("alice", "users:write", b -> b)),
                        refusedType),
                invalid("tampered payload", Target.PEM, tampered, "signature is invalid"),
                invalid(
                        "signed by a key the server does not know",
                        Target.PEM,
                        rs256(stranger, claims("alice", "users:write", b -> b)),
                        "signature is invalid"),
                invalid(
                        "unknown kid",
                        Target.JWKS,
                        rs256(stranger, claims("alice", "users:write", b -> b)),
                        "not signed by a key this service trusts"),
                invalid("token over the size limit", Target.PEM, oversized, "longer than 8192 bytes"),
                invalid("garbage", Target.PEM, "not-a-jwt", "malformed"),
                invalid("garbage with dots", Target.JWKS, "a.b.c", "malformed"),
                invalid("empty bearer", Target.PEM, "", "no token after"));
    }

    private static byte[] encoded(RSAKey key) {
        try {
            return key.toRSAPublicKey().getEncoded();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(Target target, Optional<String> authorization) {
        int port = target == Target.PEM ? pemServer.port() : jwksServer.port();
        HttpRequest.Builder request = HttpTestSupport.request(port, PATH)
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json");
        authorization.ifPresent(value -> request.header("Authorization", value));
        return HttpTestSupport.send(request.build());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void everyAttackIsRefusedWith401AndTheRfc6750Challenge(Attack attack) {
        assertRefused(attack, post(attack.target(), attack.authorization()));
    }

    /** Issue 15: the same table after a valid token was verified and cached by the same server. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void everyAttackIsRefusedWithTheVerifiedTokenCacheWarm(Attack attack) {
        String valid = rs256(RSA, claims("alice", "users:write", b -> b));
        assertThat(post(attack.target(), Optional.of("Bearer " + valid)).statusCode())
                .isEqualTo(201);
        assertThat(post(attack.target(), Optional.of("Bearer " + valid)).statusCode())
                .as("served from the cache")
                .isEqualTo(201);

        assertRefused(attack, post(attack.target(), attack.authorization()));
    }

    /**
     * Issue 15: tokens that share a long prefix with a cached valid token (the whole header and payload, and all but a
     * few characters of the signature) are verified, not served from the cache.
     */
    static Stream<org.junit.jupiter.params.provider.Arguments> tokensSharingAPrefixWithACachedOne() {
        List<org.junit.jupiter.params.provider.Arguments> rows = new java.util.ArrayList<>();
        for (Target target : Target.values()) {
            rows.add(org.junit.jupiter.params.provider.Arguments.of(
                    target, "signature char changed", "signature is invalid"));
            rows.add(
                    org.junit.jupiter.params.provider.Arguments.of(target, "one char shorter", "signature is invalid"));
            rows.add(org.junit.jupiter.params.provider.Arguments.of(target, "signature dropped", "malformed"));
            rows.add(org.junit.jupiter.params.provider.Arguments.of(
                    target, "payload with more scopes", "signature is invalid"));
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("tokensSharingAPrefixWithACachedOne")
    void aTokenSharingAPrefixWithACachedTokenIsVerifiedNotServed(Target target, String variant, String description) {
        String valid = rs256(RSA, claims("bob", "users:write", b -> b.claim("jti", variant + target)));
        assertThat(post(target, Optional.of("Bearer " + valid)).statusCode()).isEqualTo(201);
        String[] parts = valid.split("\\.");
        String other = switch (variant) {
            case "signature char changed" -> {
                int at = valid.length() - 10;
                yield valid.substring(0, at) + (valid.charAt(at) == 'A' ? 'B' : 'A') + valid.substring(at + 1);
            }
            case "one char shorter" -> valid.substring(0, valid.length() - 1);
            case "signature dropped" -> parts[0] + "." + parts[1];
            default ->
                parts[0] + "."
                        + JwtTestTokens.base64Url(
                                claims("bob", "users:write admin", b -> b.claim("jti", variant + target))
                                        .toString())
                        + "." + parts[2];
        };

        assertRefused(invalid(variant, target, other, description), post(target, Optional.of("Bearer " + other)));
        assertThat(post(target, Optional.of("Bearer " + valid)).statusCode())
                .as("the cached token itself still works")
                .isEqualTo(201);
    }

    private static void assertRefused(Attack attack, HttpResponse<String> response) {
        Optional<String> authorization = attack.authorization();
        assertThat(response.statusCode()).as(attack.name()).isEqualTo(401);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith("Bearer realm=\"api\"");
        if (attack.error().isPresent()) {
            assertThat(challenge)
                    .contains("error=\"" + attack.error().get() + "\"")
                    .contains("error_description=\"")
                    .contains(attack.description().replace('"', '\''));
        } else {
            assertThat(challenge).isEqualTo("Bearer realm=\"api\"");
        }
        JsonNode body = HttpTestSupport.json(response.body());
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(body.get("status").asInt()).isEqualTo(401);
        assertThat(body.get("detail").asText()).contains(attack.description());
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        authorization.filter(value -> value.length() > "Bearer ".length()).ifPresent(value -> {
            String token = value.substring("Bearer ".length());
            assertThat(response.body()).doesNotContain(token);
            assertThat(challenge).doesNotContain(token);
        });
    }

    @Test
    void expiredTokenSaysSoInTheErrorDescription() {
        String token =
                rs256(RSA, claims("alice", "users:write", b -> b.expirationTime(Date.from(NOW.minusSeconds(61)))));

        HttpResponse<String> response = post(Target.PEM, Optional.of("Bearer " + token));

        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .isEqualTo(
                        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token has expired\"");
    }

    @Test
    void tokenExpiredWithinTheClockSkewIsStillAccepted() {
        String token =
                rs256(RSA, claims("alice", "users:write", b -> b.expirationTime(Date.from(NOW.minusSeconds(30)))));

        assertThat(post(Target.PEM, Optional.of("Bearer " + token)).statusCode())
                .isEqualTo(201);
    }

    @Test
    void validTokenWithoutTheRouteScopeGets403InsufficientScope() {
        String token = rs256(RSA, claims("alice", "users:read", b -> b));

        HttpResponse<String> response = post(Target.PEM, Optional.of("Bearer " + token));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer realm=\"api\", error=\"insufficient_scope\"")
                .endsWith("scope=\"users:write\"");
        assertThat(HttpTestSupport.json(response.body()).get("detail").asText()).contains("users:write");
    }

    @Test
    void validTokenWithTheRouteScopeGets201WithCacheControlNoStore() {
        String token = rs256(RSA, claims("alice", "users:read users:write", b -> b));

        HttpResponse<String> response = post(Target.PEM, Optional.of("Bearer " + token));

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"created\":true}");
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void validTokenFromTheJwksServerGets201EvenWithALowercaseScheme() {
        String token = rs256(RSA, claims("alice", "users:write", b -> b));

        assertThat(post(Target.JWKS, Optional.of("bearer " + token)).statusCode())
                .isEqualTo(201);
    }

    @Test
    void theSchemeIsBearerInAnyCaseAndNothingLongerOrShorter() {
        String token = rs256(RSA, claims("alice", "users:write", b -> b));

        assertThat(post(Target.PEM, Optional.of("BEARER " + token)).statusCode())
                .isEqualTo(201);
        assertThat(post(Target.PEM, Optional.of("BeArEr " + token)).statusCode())
                .isEqualTo(201);
        for (String other : List.of("Bearers ", "Beare ", "Bearer-", "XBearer ")) {
            HttpResponse<String> response = post(Target.PEM, Optional.of(other + token));
            assertThat(response.statusCode()).as(other).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate"))
                    .as(other)
                    .hasValueSatisfying(challenge -> assertThat(challenge).doesNotContain("invalid_token"));
        }
    }

    /** docs/security.md, "What a token must satisfy": {@code typ} absent, {@code JWT} or {@code at+jwt}. */
    @ParameterizedTest
    @ValueSource(strings = {"JWT", "at+jwt"})
    void aTokenTypedJwtOrAtJwtIsAccepted(String type) {
        for (Target target : Target.values()) {
            String token =
                    JwtTestTokens.rs256Typed(RSA, type, claims("alice", "users:write", b -> b.claim("jti", type)));

            assertThat(post(target, Optional.of("Bearer " + token)).statusCode())
                    .as(target + " " + type)
                    .isEqualTo(201);
        }
    }

    @Test
    void aTokenWithoutATypIsAccepted() throws java.text.ParseException {
        String token = rs256(RSA, claims("alice", "users:write", b -> b.claim("jti", "untyped")));
        assertThat(com.nimbusds.jwt.SignedJWT.parse(token).getHeader().getType())
                .isNull();

        for (Target target : Target.values()) {
            assertThat(post(target, Optional.of("Bearer " + token)).statusCode())
                    .as(target.toString())
                    .isEqualTo(201);
        }
    }

    @Test
    void scopesFromAnScpArrayAreHonoured() {
        String token = rs256(RSA, claims("alice", null, b -> b.claim("scp", List.of("users:read", "users:write"))));

        assertThat(post(Target.PEM, Optional.of("Bearer " + token)).statusCode())
                .isEqualTo(201);
    }

    @Test
    void tokenWithAKidIsVerifiedAgainstTheSinglePemKey() {
        // The PEM key has no kid; a kid in the token must neither help nor hurt.
        String token =
                JwtTestTokens.sign(JWSAlgorithm.RS256, "whatever", signer(), claims("alice", "users:write", b -> b));

        assertThat(post(Target.PEM, Optional.of("Bearer " + token)).statusCode())
                .isEqualTo(201);
    }

    private static com.nimbusds.jose.JWSSigner signer() {
        try {
            return new com.nimbusds.jose.crypto.RSASSASigner(RSA);
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void twoAuthorizationHeadersAreAnInvalidRequest() {
        String token = rs256(RSA, claims("alice", "users:write", b -> b));
        String request = "POST " + PATH + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        HttpTestSupport.RawResponse response = HttpTestSupport.raw(pemServer.port(), request);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.headers().get("www-authenticate")).contains("error=\"invalid_request\"");
    }
}
