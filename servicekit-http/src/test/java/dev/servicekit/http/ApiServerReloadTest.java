package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.json;
import static dev.servicekit.http.HttpTestSupport.request;
import static dev.servicekit.http.HttpTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ApiServer#apply} and {@link ManagementServer#applyAuthenticator} change a running server, over real sockets. */
class ApiServerReloadTest {

    private static final String APP = "https://app.example.com";
    private static final int LIMIT = 1024;

    private ApiServer api;
    private ManagementServer management;

    @AfterEach
    void stop() {
        if (api != null) {
            api.stop();
        }
        if (management != null) {
            management.stop();
        }
    }

    private void start(Optional<RequestAuthenticator> authenticator) {
        ApiServer.Builder builder = ApiServer.builder(HttpTestSupport.apiConfig(LIMIT, Duration.ofSeconds(5)))
                .routes(List.of(
                        Route.post(
                                "/upload",
                                (req, res) -> res.send(
                                        "got " + req.content().inputStream().readAllBytes().length)),
                        Route.get("/items", (req, res) -> res.send("items")).requireScopes("items:read")));
        authenticator.ifPresent(builder::authenticator);
        api = builder.build();
        api.start();
    }

    private HttpResponse<String> upload(int bytes) {
        return send(request(api.port(), "/upload")
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(bytes)))
                .build());
    }

    /** A body of unknown length: the JDK client sends it chunked. */
    private HttpResponse<String> uploadChunked(int bytes) {
        byte[] body = "y".repeat(bytes).getBytes(StandardCharsets.US_ASCII);
        return send(request(api.port(), "/upload")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build());
    }

    private static byte[] secret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    private static JwtAuthenticator hs256(byte[] secret, String issuer, String audience) {
        return JwtAuthenticator.create(JwtSettings.builder()
                .issuer(issuer)
                .audience(audience)
                .clock(Clock.fixed(JwtTestTokens.NOW, ZoneOffset.UTC))
                .keySource(JwtKeySource.hs256Secret(secret))
                .build());
    }

    private static String token(byte[] secret, String issuer, String audience) {
        return JwtTestTokens.hs256(
                secret,
                JwtTestTokens.claims(
                        "ada", "items:read admin", b -> b.issuer(issuer).audience(audience)));
    }

    private HttpResponse<String> items(String token) {
        return send(request(api.port(), "/items")
                .header("Authorization", "Bearer " + token)
                .GET()
                .build());
    }

    @Test
    void theBodyLimitBoundaryMovesWithApply() {
        start(Optional.empty());
        assertThat(upload(LIMIT).statusCode()).isEqualTo(200);
        assertThat(upload(LIMIT + 1).statusCode()).isEqualTo(413);

        api.apply(api.settings().withMaxBodyBytes(2 * LIMIT));

        assertThat(upload(LIMIT + 1).body()).isEqualTo("got " + (LIMIT + 1));
        assertThat(uploadChunked(2 * LIMIT).statusCode()).isEqualTo(200);
        HttpResponse<String> tooLarge = upload(2 * LIMIT + 1);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(json(tooLarge.body()).get("detail").asText()).contains("limit of " + 2 * LIMIT + " bytes");
        assertThat(uploadChunked(2 * LIMIT + 1).statusCode()).isEqualTo(413);

        api.apply(api.settings().withMaxBodyBytes(LIMIT / 2));

        assertThat(upload(LIMIT / 2 + 1).statusCode()).isEqualTo(413);
        assertThat(uploadChunked(LIMIT / 2 + 1).statusCode()).isEqualTo(413);
        assertThat(upload(LIMIT / 2).statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyLimitAboveWhatTheRunningListenerCanEnforceIsRefusedAndTheOldOneStays() {
        start(Optional.empty());
        ApiSettings before = api.settings();

        assertThatThrownBy(() -> api.apply(before.withMaxBodyBytes(ApiSettings.MAX_BODY_BYTES_CEILING + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + (ApiSettings.MAX_BODY_BYTES_CEILING + 1) + "\"")
                .hasMessageContaining("restart");

        assertThat(api.settings()).isEqualTo(before);
        assertThat(upload(LIMIT + 1).statusCode()).isEqualTo(413);
    }

    @Test
    void aCorsOriginIsAllowedOnceApplied() {
        start(Optional.empty());
        HttpRequest fromApp = request(api.port(), "/upload")
                .header("Origin", APP)
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build();
        HttpRequest preflight = request(api.port(), "/upload")
                .header("Origin", APP)
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build();
        assertThat(send(fromApp).headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
        assertThat(send(preflight).statusCode()).isEqualTo(405);

        api.apply(api.settings().withCors(CorsSettings.allowing(List.of(APP))));

        assertThat(send(fromApp).headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue(APP);
        HttpResponse<String> answered = send(preflight);
        assertThat(answered.statusCode()).isEqualTo(204);
        assertThat(answered.headers().firstValue("Access-Control-Allow-Methods"))
                .hasValue("POST");

        api.apply(api.settings().withoutCors());

        assertThat(send(fromApp).headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
    }

    @Test
    void aTokenSignedWithTheNewKeyIsAcceptedAfterApplyAndOneWithTheOldKeyIsNot() {
        byte[] oldKey = secret();
        byte[] newKey = secret();
        start(Optional.of(hs256(oldKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE)));
        String oldToken = token(oldKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE);
        String newToken = token(newKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE);
        assertThat(items(oldToken).statusCode()).isEqualTo(200);
        assertThat(items(newToken).statusCode()).isEqualTo(401);

        api.apply(api.settings().withAuthenticator(hs256(newKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE)));

        assertThat(items(newToken).statusCode()).isEqualTo(200);
        HttpResponse<String> rejected = items(oldToken);
        assertThat(rejected.statusCode()).isEqualTo(401);
        assertThat(rejected.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
    }

    @Test
    void aChangedIssuerAndAudienceAreCheckedAfterApply() {
        byte[] key = secret();
        start(Optional.of(hs256(key, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE)));
        String before = token(key, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE);
        String after = token(key, "https://new-issuer.test", "new-audience");
        String newIssuerOldAudience = token(key, "https://new-issuer.test", JwtTestTokens.AUDIENCE);
        assertThat(items(before).statusCode()).isEqualTo(200);
        assertThat(items(after).statusCode()).isEqualTo(401);

        api.apply(api.settings().withAuthenticator(hs256(key, "https://new-issuer.test", "new-audience")));

        assertThat(items(after).statusCode()).isEqualTo(200);
        assertThat(items(before).statusCode()).isEqualTo(401);
        assertThat(items(newIssuerOldAudience).statusCode()).isEqualTo(401);
    }

    @Test
    void theManagementListenerChecksAdminRoutesWithTheAppliedAuthenticator() {
        byte[] oldKey = secret();
        byte[] newKey = secret();
        management = ManagementServer.builder(
                        new ManagementServerConfig(HttpTestSupport.HOST, 0, "management.port"),
                        () -> Readiness.ready("RUNNING", Map.of()))
                .routes(List.of(Route.get("/admin/status", (req, res) -> res.send("status"))
                        .requireScopes("admin")))
                .authenticator(hs256(oldKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE))
                .build();
        management.start();
        String newToken = token(newKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE);
        HttpRequest status = request(management.port(), "/admin/status")
                .header("Authorization", "Bearer " + newToken)
                .GET()
                .build();
        assertThat(send(status).statusCode()).isEqualTo(401);

        management.applyAuthenticator(hs256(newKey, JwtTestTokens.ISSUER, JwtTestTokens.AUDIENCE));

        assertThat(send(status).statusCode()).isEqualTo(200);
        assertThat(HttpTestSupport.get(management.port(), "/health/live").statusCode())
                .isEqualTo(200);
    }
}
