package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The server-rendered part of the status page: the tables a browser without JavaScript shows. */
class StatusPageTest {

    private static Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("name", "users-service");
        status.put("version", "1.2.3");
        status.put("state", "RUNNING");
        status.put("uptimeSeconds", 3723L);
        status.put("listeners", Map.of("api", 8080, "management", 9090));
        status.put("store", Map.of("kind", "sqlite:<data>/users.db", "state", "UP"));
        Map<String, Object> reload = new LinkedHashMap<>();
        reload.put("at", "2026-12-04T12:00:00Z");
        reload.put("applied", List.of("log.level", "http.cors.allowed-origins"));
        reload.put("error", null);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("hash", "abc");
        config.put("lastReload", reload);
        status.put("config", config);
        status.put("tls", Map.of("api", Map.of("notAfter", "2027-01-01T00:00:00Z")));
        return status;
    }

    @Test
    void thePageIsATableOfTheStatusWithEveryValueEscaped() {
        String html = StatusPage.render(status());

        assertThat(html)
                .startsWith("<!DOCTYPE html>")
                .contains("<title>users-service status</title>")
                .contains("<td data-path=\"state\">RUNNING</td>")
                .contains("<td data-path=\"uptimeSeconds\" data-format=\"duration\">1h 2m 3s</td>")
                .contains("<h2>Listeners (port)</h2>")
                .contains("<th scope=\"row\">api</th><td data-path=\"listeners.api\">8080</td>")
                .contains("<td data-path=\"store.kind\">sqlite:&lt;data&gt;/users.db</td>")
                .contains("<th scope=\"row\">lastReload.applied</th>")
                .contains("log.level, http.cors.allowed-origins")
                .contains("<td data-path=\"config.lastReload.error\">—</td>")
                .contains("<h2>Certificates</h2>")
                .contains("2027-01-01T00:00:00Z")
                .doesNotContain("<data>");
        // Charts stay hidden until the script shows them; the script and style come from this origin only.
        assertThat(html)
                .contains("<section id=\"charts\" hidden>")
                .contains("<script src=\"/admin/assets/status.js\" defer></script>")
                .doesNotContain("http://")
                .doesNotContain("https://");
    }

    @Test
    void durationsReadLikeAClock() {
        assertThat(StatusPage.duration(0)).isEqualTo("0s");
        assertThat(StatusPage.duration(61)).isEqualTo("1m 1s");
        assertThat(StatusPage.duration(3600)).isEqualTo("1h 0m 0s");
        assertThat(StatusPage.duration(90061)).isEqualTo("1d 1h 1m 1s");
    }

    @Test
    void escapingCoversTextAndAttributes() {
        assertThat(StatusPage.escape("<a href=\"x\">'&'</a>"))
                .isEqualTo("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
