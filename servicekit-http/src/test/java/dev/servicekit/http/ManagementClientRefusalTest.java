package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.servicekit.core.ApplicationView;
import dev.servicekit.core.ServiceException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How {@link ManagementClient} words an admin route's refusal (401, 403) or absence (404), the same for
 * {@code reload}, {@code postForFile} (an application's {@code backup}) and the notes of {@code view}, against a
 * listener on a loopback port that answers each path with a set status.
 */
class ManagementClientRefusalTest {

    private static final String TOKEN = "a-token";
    private static final String BACKUP = "/admin/backup";
    private static final String TOKEN_REFUSED =
            "the token needs the admin scope and must be signed with the key the running instance uses";
    private static final String NO_TOKEN = "no admin token was sent: this command mints one only from the HS256"
            + " secret file, and only when its configuration has auth.enabled true; pass the --config/--set the"
            + " instance runs with, and check that this account may read that file";
    private static final String NO_ROUTE = " (404): its admin routes are off (auth.enabled is false on a non-loopback"
            + " management.host?), it is an older version without that route, or another program owns the port";

    @TempDir
    Path dir;

    /** Path to status; a path not in it answers 200 with {@code {}}. */
    private final Map<String, Integer> statuses = new ConcurrentHashMap<>();

    private final Map<String, String> authorizations = new ConcurrentHashMap<>();
    private HttpServer listener;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        listener = HttpServer.create(new InetSocketAddress(HttpTestSupport.HOST, 0), 0);
        listener.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            authorizations.put(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            int status = statuses.getOrDefault(path, 200);
            byte[] body = (status == 200 ? "{}" : "{\"status\":" + status + ",\"detail\":\"said no\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .add("Content-Type", status == 200 ? "application/json" : "application/problem+json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        listener.start();
        base = URI.create(
                "http://" + HttpTestSupport.HOST + ":" + listener.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        listener.stop(0);
    }

    private ManagementClient client(Optional<String> token) {
        return ManagementClient.create(base, token);
    }

    private String reloadRefusal(Optional<String> token) {
        return catchThrowableOfType(ServiceException.class, () -> client(token).reload())
                .getMessage();
    }

    private String backupRefusal(Optional<String> token) throws IOException {
        Path target = Files.createFile(dir.resolve("backup-" + System.nanoTime()));
        String message = catchThrowableOfType(
                        ServiceException.class, () -> client(token).postForFile(BACKUP, target, Duration.ofSeconds(10)))
                .getMessage();
        assertThat(target).isEmptyFile();
        return message;
    }

    /**
     * The refusal's first part. HttpURLConnection drops the body of a 401 to a streamed POST (streamed so that it is
     * never resent), and this listener answers the client's second ask for it, {@code GET /admin/status}, with 200: so
     * only a 403 carries the problem's detail here.
     */
    private String refusedPost(String path, int status) {
        return "The management listener at " + base + " refused POST " + path + " (" + status
                + (status == 401 ? "" : " said no") + "); ";
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void aReloadRefusedWithATokenSaysTheTokenNeedsTheAdminScope(int status) {
        statuses.put("/admin/reload", status);

        assertThat(reloadRefusal(Optional.of(TOKEN))).isEqualTo(refusedPost("/admin/reload", status) + TOKEN_REFUSED);
        assertThat(authorizations).containsEntry("/admin/reload", "Bearer " + TOKEN);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void aBackupRefusedWithATokenSaysTheTokenNeedsTheAdminScope(int status) throws IOException {
        statuses.put(BACKUP, status);

        assertThat(backupRefusal(Optional.of(TOKEN))).isEqualTo(refusedPost(BACKUP, status) + TOKEN_REFUSED);
        assertThat(authorizations).containsEntry(BACKUP, "Bearer " + TOKEN);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403})
    void aRefusalWithoutATokenSaysNoneWasSentAndHowOneIsMinted(int status) throws IOException {
        statuses.put("/admin/reload", status);
        statuses.put(BACKUP, status);

        assertThat(reloadRefusal(Optional.empty())).isEqualTo(refusedPost("/admin/reload", status) + NO_TOKEN);
        assertThat(backupRefusal(Optional.empty())).isEqualTo(refusedPost(BACKUP, status) + NO_TOKEN);
        assertThat(authorizations).containsEntry("/admin/reload", "null").containsEntry(BACKUP, "null");
    }

    @Test
    void aPostRefusedWith401GetsTheProblemsDetailFromTheSameTokenRefusedOnStatus() throws IOException {
        statuses.put("/admin/reload", 401);
        statuses.put(BACKUP, 401);
        statuses.put("/admin/status", 401);

        assertThat(reloadRefusal(Optional.of(TOKEN)))
                .isEqualTo("The management listener at " + base + " refused POST /admin/reload (401 said no); "
                        + TOKEN_REFUSED);
        assertThat(backupRefusal(Optional.of(TOKEN)))
                .isEqualTo("The management listener at " + base + " refused POST " + BACKUP + " (401 said no); "
                        + TOKEN_REFUSED);
        assertThat(authorizations).containsEntry("/admin/status", "Bearer " + TOKEN);
    }

    @Test
    void aListenerWithoutTheReloadRouteSaysWhyItMayBeMissing() {
        statuses.put("/admin/reload", 404);

        assertThat(reloadRefusal(Optional.of(TOKEN)))
                .isEqualTo("The management listener at " + base + " has no /admin/reload" + NO_ROUTE);
    }

    @Test
    void aListenerWithoutTheBackupRouteSaysWhyItMayBeMissing() throws IOException {
        statuses.put(BACKUP, 404);

        assertThat(backupRefusal(Optional.of(TOKEN)))
                .isEqualTo("The management listener at " + base + " has no " + BACKUP + NO_ROUTE);
    }

    @Test
    void aReloadAnsweredByAnotherProgramWithoutJsonIsStillWordedAsAMissingRoute() {
        listener.removeContext("/");
        listener.createContext("/", exchange -> {
            byte[] body = "<html>Not Found</html>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });

        assertThat(reloadRefusal(Optional.of(TOKEN)))
                .isEqualTo("The management listener at " + base + " has no /admin/reload" + NO_ROUTE);
    }

    @Test
    void theStatusNoteWordsARefusalAsReloadAndBackupDo() {
        statuses.put("/admin/status", 401);

        ApplicationView view = client(Optional.empty()).view().orElseThrow();

        assertThat(view.notes())
                .containsExactly(
                        "The management listener at " + base + " refused GET /admin/status (401 said no); " + NO_TOKEN);
    }
}
