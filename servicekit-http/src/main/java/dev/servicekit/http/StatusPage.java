package dev.servicekit.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The status page on the management listener (SPEC §13): {@code GET /} is an HTML page whose server-rendered tables
 * show what {@code GET /admin/status} answers (state, version, uptime, listeners, store, last reload, certificate
 * expiry, JVM), readable without JavaScript; its script ({@code /admin/assets/status.js}) draws live charts from
 * {@code GET /admin/status/samples} ({@link StatusSamples} plus the current status) every two seconds and refreshes
 * the tables' values.
 *
 * <p>Every route needs the {@code admin} scope, like {@code /admin/status}, and is served exactly where the admin
 * routes are: with auth on, a browser sends the token in the {@code Authorization} header (docs/operations.md), with
 * auth off only on a loopback management listener. The assets are read from the jar once, at construction; nothing
 * is fetched from elsewhere (the Content-Security-Policy allows only this origin).
 */
final class StatusPage {

    static final String ASSETS = "/admin/assets/";

    /** Only this origin's script, style and fetches; nothing may frame the page. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Map<String, String> SECTION_TITLES = Map.of(
            "listeners", "Listeners (port)",
            "tls", "Certificates",
            "store", "Store",
            "config", "Configuration",
            "jvm", "JVM");

    private final Supplier<Map<String, Object>> status;
    private final StatusSamples samples;
    private final byte[] script;
    private final byte[] style;

    StatusPage(Supplier<Map<String, Object>> status, StatusSamples samples) {
        this.status = Objects.requireNonNull(status, "status");
        this.samples = Objects.requireNonNull(samples, "samples");
        this.script = resource("status.js");
        this.style = resource("status.css");
    }

    List<Route> routes() {
        return List.of(
                Route.get("/", this::page).requireScopes(AdminRoutes.ADMIN),
                Route.get("/admin/status/samples", this::samples).requireScopes(AdminRoutes.ADMIN),
                Route.get(ASSETS + "status.js", (req, res) -> asset(res, "text/javascript; charset=utf-8", script))
                        .requireScopes(AdminRoutes.ADMIN),
                Route.get(ASSETS + "status.css", (req, res) -> asset(res, "text/css; charset=utf-8", style))
                        .requireScopes(AdminRoutes.ADMIN));
    }

    private static byte[] resource(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream("status/" + name)) {
            if (in == null) {
                throw new IllegalStateException("The status page asset \"" + name + "\" is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void secure(ServerResponse res) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        res.header("X-Content-Type-Options", "nosniff");
        res.header("Referrer-Policy", "no-referrer");
    }

    private static void asset(ServerResponse res, String contentType, byte[] body) {
        secure(res);
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.send(body);
    }

    private void samples(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>(samples.view());
        body.put("status", status.get());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonBodies.send(res, Status.OK_200, body);
    }

    private void page(ServerRequest req, ServerResponse res) {
        secure(res);
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        res.send(render(status.get()).getBytes(StandardCharsets.UTF_8));
    }

    /** The whole page for one status map (the body of {@code /admin/status}); pure, for tests. */
    static String render(Map<String, Object> status) {
        String name = String.valueOf(status.getOrDefault("name", "service"));
        StringBuilder html = new StringBuilder(8192);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(escape(name))
                .append(" status</title>\n")
                .append("<link rel=\"icon\" href=\"data:,\">\n")
                .append("<link rel=\"stylesheet\" href=\"" + ASSETS + "status.css\">\n")
                .append("<script src=\"" + ASSETS + "status.js\" defer></script>\n")
                .append("</head>\n<body>\n<header>\n<h1>")
                .append(escape(name));
        if (status.get("instance") != null) {
            html.append('@').append(escape(String.valueOf(status.get("instance"))));
        }
        html.append("</h1>\n<p class=\"summary\"><span class=\"state\" data-path=\"state\">")
                .append(escape(String.valueOf(status.get("state"))))
                .append("</span> · version ")
                .append(escape(String.valueOf(status.get("version"))))
                .append("</p>\n<p id=\"message\" role=\"status\"></p>\n")
                .append("<noscript><p>Live charts need JavaScript; these tables are as of the page load:"
                        + " reload the page to refresh them.</p></noscript>\n")
                .append("</header>\n");
        html.append("<section id=\"charts\" hidden>\n");
        chart(html, "requests", "Requests/s", "requestsPerSecond", "number");
        chart(html, "latency", "Latency p50 / p99 (ms)", "p50Millis,p99Millis", "number");
        chart(html, "errors", "Error rate (5xx)", "errorRate", "percent");
        chart(html, "heap", "Heap used", "heapUsedBytes", "bytes");
        chart(html, "inflight", "In-flight requests", "inFlight", "number");
        html.append("</section>\n<main>\n");

        Map<String, Object> service = new LinkedHashMap<>();
        Map<String, Object> sections = new LinkedHashMap<>();
        status.forEach((key, value) -> {
            if (value instanceof Map<?, ?>) {
                sections.put(key, value);
            } else {
                service.put(key, value);
            }
        });
        table(html, "Service", "", service);
        sections.forEach((key, value) ->
                table(html, SECTION_TITLES.getOrDefault(key, title(key)), key + ".", (Map<?, ?>) value));
        html.append("</main>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void chart(StringBuilder html, String id, String title, String series, String format) {
        html.append("<figure class=\"chart\"><figcaption>")
                .append(escape(title))
                .append(" <output id=\"now-")
                .append(id)
                .append("\"></output></figcaption><canvas id=\"chart-")
                .append(id)
                .append("\" data-series=\"")
                .append(series)
                .append("\" data-format=\"")
                .append(format)
                .append("\" width=\"480\" height=\"150\"></canvas></figure>\n");
    }

    private static void table(StringBuilder html, String title, String prefix, Map<?, ?> values) {
        html.append("<h2>").append(escape(title)).append("</h2>\n<table>\n");
        if (values.isEmpty()) {
            html.append("<tr><td colspan=\"2\">none</td></tr>\n");
        }
        rows(html, prefix.length(), prefix, values);
        html.append("</table>\n");
    }

    /** One row per leaf, labelled by its path inside the section ({@code lastReload.at}). */
    private static void rows(StringBuilder html, int labelStart, String prefix, Map<?, ?> values) {
        values.forEach((key, value) -> {
            String path = prefix + key;
            if (value instanceof Map<?, ?> nested && !nested.isEmpty()) {
                rows(html, labelStart, path + ".", nested);
                return;
            }
            boolean duration = path.equals("uptimeSeconds");
            html.append("<tr><th scope=\"row\">")
                    .append(escape(path.substring(labelStart)))
                    .append("</th><td data-path=\"")
                    .append(escape(path))
                    .append('"')
                    .append(duration ? " data-format=\"duration\"" : "")
                    .append('>')
                    .append(escape(duration && value instanceof Number n ? duration(n.longValue()) : text(value)))
                    .append("</td></tr>\n");
        });
    }

    /** A value as the table shows it; the script's {@code text} does the same. */
    static String text(Object value) {
        if (value == null) {
            return "—";
        }
        if (value instanceof Collection<?> items) {
            return items.isEmpty()
                    ? "none"
                    : String.join(", ", items.stream().map(String::valueOf).toList());
        }
        if (value instanceof Map<?, ?> map && map.isEmpty()) {
            return "none";
        }
        return String.valueOf(value);
    }

    /** {@code 1d 2h 3m 4s}; the script's {@code duration} does the same. */
    static String duration(long seconds) {
        Duration d = Duration.ofSeconds(Math.max(0, seconds));
        StringBuilder out = new StringBuilder();
        if (d.toDays() > 0) {
            out.append(d.toDays()).append("d ");
        }
        if (d.toHours() > 0) {
            out.append(d.toHoursPart()).append("h ");
        }
        if (d.toMinutes() > 0) {
            out.append(d.toMinutesPart()).append("m ");
        }
        return out.append(d.toSecondsPart()).append('s').toString();
    }

    private static String title(String key) {
        return key.isEmpty() ? key : Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }

    /** Escapes text for HTML element content and double-quoted attribute values. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
