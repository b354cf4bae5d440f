package dev.servicekit.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.core.ApplicationView;
import dev.servicekit.core.Config;
import dev.servicekit.core.JsonValues;
import dev.servicekit.core.LocalAdminAccess;
import dev.servicekit.core.ReloadReport;
import dev.servicekit.core.ServiceException;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManagerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code reload} verb's way to a running instance no service manager runs: {@code POST /admin/reload} on
 * the loopback management listener named by the same configuration ({@code management.host},
 * {@code management.port}), with the JDK's {@link HttpURLConnection}. Plain HTTP on loopback only: the token (if
 * any) never leaves the machine, and nothing on the network can be asked to reload.
 *
 * <p>Why not {@code java.net.http.HttpClient}: building one sets up TLS (the JDK's default {@code SSLContext} and
 * its trust store) and a selector thread even for plain HTTP; its first request loaded about 1,300 more classes
 * and took about 1 s more CPU than {@code HttpURLConnection}'s, most of {@code status}'s time
 * (docs/decisions.md, "status answers like version").
 *
 * {@snippet :
 * LocalAdminAccess access = ManagementClient.forConfig(config, Optional.of(adminToken));
 * ReloadReport report = access.reload();
 * }
 */
public final class ManagementClient implements LocalAdminAccess {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** Bound on each request of {@link #view()}: status should answer at once or say it could not. */
    private static final Duration VIEW_TIMEOUT = Duration.ofSeconds(5);

    private final URI base;
    private final Optional<String> bearerToken;

    private ManagementClient(URI base, Optional<String> bearerToken) {
        this.base = base;
        this.bearerToken = bearerToken;
    }

    /**
     * A client for the management listener of {@code config}.
     *
     * @param bearerToken a token with the {@code admin} scope when the listener requires one; empty when auth is off
     * @throws ServiceException when {@code management.host} is not a loopback address, {@code management.port}
     *         is 0 (a random port cannot be found again) or the management listener uses TLS
     */
    public static ManagementClient forConfig(Config config, Optional<String> bearerToken) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(bearerToken, "bearerToken");
        String host = config.get(HttpConfigKeys.MANAGEMENT_HOST);
        int port = config.get(HttpConfigKeys.MANAGEMENT_PORT);
        List<String> problems = new ArrayList<>();
        if (!HttpService.isLoopback(host)) {
            problems.add("management.host \"" + host + "\" is not a loopback address, and this command only talks to a"
                    + " management listener on this machine's loopback (127.0.0.1 or ::1)");
        }
        if (port == 0) {
            problems.add("management.port is 0 (a random port), so the running instance's listener cannot be found;"
                    + " set a fixed management.port");
        }
        if (HttpConfigKeys.managementTls(config).isPresent()) {
            problems.add("the management listener uses TLS (management.tls.certificate-file), which this command does"
                    + " not speak");
        }
        if (!problems.isEmpty()) {
            throw new ServiceException("Cannot reach the running instance through its management listener: "
                    + String.join("; ", problems) + ". Send SIGHUP to its process (kill -HUP <pid>), or use"
                    + " POST /admin/reload with an admin token where the listener is reachable");
        }
        return create(URI.create(HttpService.url(host, port, false)), bearerToken);
    }

    /** A client for the management listener at {@code base} (no checks; tests and {@link #forConfig}). */
    public static ManagementClient create(URI base, Optional<String> bearerToken) {
        return new ManagementClient(
                Objects.requireNonNull(base, "base"), Objects.requireNonNull(bearerToken, "bearerToken"));
    }

    @Override
    public URI managementUri() {
        return base;
    }

    @Override
    public ReloadReport reload() {
        Answer response;
        try {
            response = exchange("POST", "/admin/reload", true, REQUEST_TIMEOUT, null);
        } catch (NotAnswering e) {
            throw new ServiceManagerException(
                    "nothing answers at " + base + " (its management listener, from management.host"
                            + " and management.port); start it with run or start, or pass the --config/--set it runs"
                            + " with",
                    ExitCode.NOT_RUNNING,
                    e.getCause());
        } catch (IOException e) {
            throw new ServiceException("POST " + base + "/admin/reload failed: " + e.getMessage(), e);
        }
        return switch (response.statusCode()) {
            case 200 -> report(parse(response));
            case 422 -> report(parse(response).path("lastReload"));
            default -> throw new ServiceException(refusalOfPost("/admin/reload", response));
        };
    }

    /**
     * {@code GET /health/ready}, then {@code GET /admin/status} (with the token, if any), each bounded by
     * {@link #VIEW_TIMEOUT}; an answer it cannot use is a note in the view.
     *
     * @return empty when nothing answers at {@link #managementUri()}
     */
    @Override
    public Optional<ApplicationView> view() {
        List<String> notes = new ArrayList<>();
        Answer ready;
        try {
            ready = exchange("GET", "/health/ready", false, VIEW_TIMEOUT, null);
        } catch (NotAnswering e) {
            return Optional.empty();
        } catch (IOException e) {
            notes.add("GET " + base + "/health/ready failed: " + e.getMessage());
            return Optional.of(new ApplicationView(base, Optional.empty(), Map.of(), notes));
        }
        Optional<Boolean> isReady = switch (ready.statusCode()) {
            case 200 -> Optional.of(true);
            case 503 -> Optional.of(false);
            default -> {
                notes.add("GET /health/ready answered " + ready.statusCode()
                        + " (a health scope is set, or another program owns the port)");
                yield Optional.empty();
            }
        };
        Map<String, Object> status = Map.of();
        try {
            Answer response = exchange("GET", "/admin/status", true, VIEW_TIMEOUT, null);
            if (response.statusCode() == 200) {
                status = JsonValues.readObject(response.body());
            } else {
                notes.add(refusal("GET", "/admin/status", response));
            }
        } catch (IOException e) {
            notes.add("GET " + base + "/admin/status failed: " + e.getMessage());
        }
        return Optional.of(new ApplicationView(base, isReady, status, notes));
    }

    /** One answer: its status, its headers (lower-case names, the first value of each) and, unless saved, its body. */
    private record Answer(int statusCode, Map<String, String> headers, String body) {}

    /** Nothing accepted the connection (refused, or no answer within {@link #CONNECT_TIMEOUT}). */
    private static final class NotAnswering extends IOException {
        private static final long serialVersionUID = 1L;

        NotAnswering(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Sends one request without a body and reads the whole answer within {@code timeout} (each read waits at most
     * that long, and the body stops being read once it has passed).
     *
     * @param saveTo where a 200 answer's body is written (truncated first), or null to keep it in the answer
     * @throws NotAnswering when the connection is refused or times out
     * @throws IOException when the exchange fails after the connection was made
     */
    private Answer exchange(String method, String path, boolean authorized, Duration timeout, Path saveTo)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpURLConnection connection =
                (HttpURLConnection) base.resolve(path).toURL().openConnection();
        try {
            connection.setRequestMethod(method);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            connection.setRequestProperty("Accept", "application/json, application/problem+json");
            if (authorized) {
                bearerToken.ifPresent(token -> connection.setRequestProperty("Authorization", "Bearer " + token));
            }
            if (method.equals("POST")) {
                // Streaming: the JDK never resends a streamed POST (a second reload or backup), but it drops a 401's
                // body (refusalOfPost asks for the detail again).
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(0);
            }
            try {
                connection.connect();
            } catch (ConnectException | SocketTimeoutException e) {
                throw new NotAnswering(e);
            }
            if (method.equals("POST")) {
                connection.getOutputStream().close(); // no body: Content-Length 0
            }
            int status = connection.getResponseCode();
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; connection.getHeaderFieldKey(i) != null; i++) {
                headers.putIfAbsent(
                        connection.getHeaderFieldKey(i).toLowerCase(Locale.ROOT), connection.getHeaderField(i));
            }
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (in == null) {
                    return new Answer(status, headers, "");
                }
                if (status == 200 && saveTo != null) {
                    try (OutputStream out = Files.newOutputStream(
                            saveTo, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                        copy(in, out, deadline, method, path);
                    }
                    return new Answer(status, headers, "");
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                copy(in, body, deadline, method, path);
                return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
            }
        } finally {
            connection.disconnect();
        }
    }

    private static void copy(InputStream in, OutputStream out, long deadline, String method, String path)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            if (System.nanoTime() - deadline > 0) {
                throw new SocketTimeoutException("the answer to " + method + " " + path + " took longer than allowed");
            }
        }
    }

    /**
     * Sends {@code POST path} (an admin route the application declared with
     * {@link HttpServiceContext#adminRoutes}) and writes a 200 answer's body into {@code target}, which must exist
     * (it is truncated first; create it with the permissions it needs). Waits for the whole body, at most
     * {@code timeout}.
     *
     * @return the answer's headers, lower-case names, first value of each
     * @throws ServiceManagerException with exit code 3 (not running) when nothing answers at {@link #managementUri()}
     * @throws ServiceException when the answer is not 200 (the message has its status, the problem's detail and the
     *         likely fix) or the transfer fails
     */
    public Map<String, String> postForFile(String path, Path target, Duration timeout) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(target, "target");
        Answer response;
        try {
            response = exchange("POST", path, true, Objects.requireNonNull(timeout, "timeout"), target);
        } catch (NotAnswering e) {
            throw new ServiceManagerException(
                    "nothing answers at " + base + " (its management listener, from management.host and"
                            + " management.port)",
                    ExitCode.NOT_RUNNING,
                    e.getCause());
        } catch (IOException e) {
            throw new ServiceException("POST " + base + path + " failed: " + e.getMessage(), e);
        }
        if (response.statusCode() != 200) {
            throw new ServiceException(refusalOfPost(path, response));
        }
        return response.headers();
    }

    /**
     * {@link #refusal} of a POST. HttpURLConnection drops the body of a 401 to a streamed POST (streamed so that the
     * JDK never resends a reload or a backup), so the problem's detail (an expired token, a key the instance does not
     * trust) is asked for again by {@code GET /admin/status} with the same token, which the same authenticator refuses
     * for the same reason; where that one is not refused too, the POST's refusal is worded without a detail.
     */
    private String refusalOfPost(String path, Answer response) {
        if (response.statusCode() != 401 || !response.body().isEmpty()) {
            return refusal("POST", path, response);
        }
        Answer again;
        try {
            again = exchange("GET", "/admin/status", true, VIEW_TIMEOUT, null);
        } catch (IOException e) {
            return refusal("POST", path, response);
        }
        return refusal("POST", path, again.statusCode() == 401 ? again : response);
    }

    /**
     * How an admin route's answer other than success is worded, the one place for {@link #reload}, {@link #postForFile}
     * and the notes of {@link #view}: 401 or 403 (no admin token was sent, or the one sent was refused), 404 (the
     * listener has no such route), and any other status with the problem's detail.
     */
    private String refusal(String method, String path, Answer response) {
        int status = response.statusCode();
        String detail = detail(response.body()).strip();
        String listener = "The management listener at " + base;
        return switch (status) {
            case 401, 403 ->
                listener + " refused " + method + " " + path + " (" + status + (detail.isEmpty() ? "" : " " + detail)
                        + "); "
                        + (bearerToken.isEmpty()
                                ? "no admin token was sent: this command mints one only from the HS256 secret file,"
                                        + " and only when its configuration has auth.enabled true; pass the"
                                        + " --config/--set the instance runs with, and check that this account may"
                                        + " read that file"
                                : "the token needs the admin scope and must be signed with the key the running"
                                        + " instance uses");
            case 404 ->
                listener + " has no " + path + " (404): its admin routes are off (auth.enabled is false on a"
                        + " non-loopback management.host?), it is an older version without that route, or another"
                        + " program owns the port";
            default ->
                listener + " answered " + status + " to " + method + " " + path
                        + (detail.isEmpty() ? "" : ": " + detail);
        };
    }

    /** The problem's {@code detail}, else the whole body. */
    private static String detail(String body) {
        try {
            return JsonValues.readObject(body.isEmpty() ? "{}" : body).get("detail") instanceof String detail
                    ? detail
                    : body;
        } catch (IOException e) {
            return body;
        }
    }

    private JsonNode parse(Answer response) {
        try {
            return JsonBodies.mapper().readTree(response.body().isEmpty() ? "{}" : response.body());
        } catch (IOException e) {
            throw new ServiceException(
                    "The program at " + base + " answered POST /admin/reload with " + response.statusCode()
                            + " and no JSON; is management.port the service's management listener?",
                    e);
        }
    }

    private ReloadReport report(JsonNode view) {
        if (!view.path("ok").isBoolean() || !view.path("at").isTextual()) {
            throw new ServiceException("The answer of " + base + "/admin/reload is not a reload report: " + view);
        }
        return new ReloadReport(
                Instant.parse(view.path("at").asText()),
                view.path("ok").asBoolean(),
                strings(view.path("applied")),
                strings(view.path("inactive")),
                strings(view.path("requiresRestart")),
                view.path("error").isTextual() ? Optional.of(view.path("error").asText()) : Optional.empty());
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
