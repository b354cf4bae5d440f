package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.HeadlessChromium;
import dev.servicekit.testing.NginxServer;
import dev.servicekit.testing.Poll;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in Debian's headless Chromium, against users-service with auth on under a light, bounded load: the
 * browser sends the admin token in the {@code Authorization} header (as a header-adding proxy would), the page loads
 * with no console error, its charts' data points advance, and a screenshot ({@code target/status-page.png}) has
 * something drawn on it; with scripts disabled the server-rendered table is there. Skips when {@code /usr/bin/chromium}
 * is missing ({@code .ci/run} installs it).
 *
 * <p>{@code -Dstatuspage.samples=N} waits for N samples before the screenshot (default 3), for the one in
 * docs/operations.md.
 */
class StatusPageBrowserTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final Path SCREENSHOT = Path.of("target", "status-page.png");
    static final Path NGINX_SNIPPET = MonitoringFiles.repositoryRoot().resolve("deploy/nginx/status-page.conf");

    @TempDir
    static Path dir;

    static RunningUsersService service;
    static String adminToken;
    static ScheduledExecutorService load;
    static final AtomicLong served = new AtomicLong();

    @BeforeAll
    static void start() {
        assumeTrue(
                HeadlessChromium.available(),
                HeadlessChromium.EXECUTABLE + " is missing (Debian package chromium): skipping the browser test");
        service = RunningUsersService.start(dir, "auth.enabled=true");
        adminToken = issue("users:read users:write admin");
        String bearer = "Bearer " + adminToken;
        assertThat(service.api
                        .post(
                                "/api/v1/users",
                                "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}",
                                "Authorization",
                                bearer)
                        .status())
                .isEqualTo(201);
        // About 40 requests a second on loopback, one at a time: a list, and now and then a 404.
        load = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("status-page-load").daemon().factory());
        load.scheduleAtFixedRate(
                () -> {
                    long n = served.incrementAndGet();
                    service.api.get(n % 10 == 0 ? "/api/v1/users/999999" : "/api/v1/users", "Authorization", bearer);
                },
                0,
                25,
                TimeUnit.MILLISECONDS);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (load != null) {
            load.shutdownNow();
            load.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (service != null) {
            service.close();
        }
    }

    static String issue(String scopes) {
        return RunningUsersService.issueToken(dir, "operator", scopes);
    }

    static URI page() {
        return service.host.endpoints().get("management").resolve("/");
    }

    static long number(HeadlessChromium chromium, String expression) {
        return chromium.evaluate("Number(" + expression + " || 0)").asLong();
    }

    @Test
    void thePageDrawsLiveChartsWithoutConsoleErrors() throws Exception {
        try (HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("chromium"))) {
            chromium.headers(Map.of("Authorization", "Bearer " + adminToken));
            chromium.navigate(page());

            assertThat(chromium.evaluate("document.getElementById('charts').hidden")
                            .asBoolean())
                    .as("the script shows the charts")
                    .isFalse();
            Poll.until(
                    WAIT,
                    "the page has drawn two samples",
                    () -> number(chromium, "document.documentElement.dataset.samples") >= 2);
            long firstLast = number(chromium, "document.documentElement.dataset.lastSample");
            long firstPoints = number(chromium, "document.getElementById('chart-requests').dataset.points");
            Poll.until(
                    WAIT,
                    "the charts' newest point moves on",
                    () -> number(chromium, "document.getElementById('chart-requests').dataset.last") > firstLast);
            int wanted = Integer.getInteger("statuspage.samples", 3);
            Poll.until(
                    Duration.ofSeconds(5L * wanted + 30),
                    "the page has drawn " + wanted + " samples",
                    () -> number(chromium, "document.documentElement.dataset.samples") >= wanted);
            for (String chart : List.of("requests", "latency", "errors", "heap", "inflight")) {
                assertThat(number(chromium, "document.getElementById('chart-" + chart + "').dataset.points"))
                        .as(chart)
                        .isGreaterThan(firstPoints);
            }
            // The load shows: the newest requests/s and latency are numbers above zero.
            assertThat(chromium.evaluate("parseFloat(document.getElementById('now-requests').textContent)")
                            .asDouble())
                    .isPositive();
            assertThat(chromium.evaluate("document.getElementById('now-latency').textContent")
                            .asText())
                    .matches("[0-9.]+ / [0-9.]+");
            assertThat(chromium.evaluate("document.getElementById('message').textContent")
                            .asText())
                    .isEmpty();

            Path png = chromium.screenshot(SCREENSHOT);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isGreaterThanOrEqualTo(1000);
            Set<Integer> colours = new HashSet<>();
            long blue = 0;
            long inked = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int rgb = image.getRGB(x, y) & 0xffffff;
                    colours.add(rgb);
                    int r = rgb >> 16;
                    int g = (rgb >> 8) & 0xff;
                    int b = rgb & 0xff;
                    if (rgb != 0xffffff) {
                        inked++;
                    }
                    if (b > r + 80 && b > g + 40) {
                        blue++; // the charts' first series is drawn in blue, and nothing else on the page is
                    }
                }
            }
            assertThat(colours).as("distinct colours in " + png).hasSizeGreaterThan(20);
            assertThat(inked).as("non-white pixels in " + png).isGreaterThan(10_000);
            assertThat(blue).as("pixels of the chart lines in " + png).isGreaterThan(200);

            assertThat(chromium.problems()).as("console errors").isEmpty();
        }
    }

    @Test
    void aPlainBrowserOpensThePageThroughTheShippedNginxSnippetThatAddsTheToken() {
        Optional<String> missing = NginxServer.unavailableReason();
        assumeTrue(missing.isEmpty(), () -> "skipping the nginx case: " + missing.orElseThrow());
        URI management = service.host.endpoints().get("management");
        try (NginxServer nginx = NginxServer.start(
                        dir.resolve("nginx"),
                        NGINX_SNIPPET,
                        Map.of("MANAGEMENT", "127.0.0.1:" + management.getPort(), "ADMIN_TOKEN", adminToken));
                HeadlessChromium chromium = HeadlessChromium.start(dir.resolve("chromium-nginx"))) {
            chromium.navigate(nginx.uri("/"));
            Poll.until(
                    WAIT,
                    "the page, through nginx, has drawn a sample",
                    () -> number(chromium, "document.documentElement.dataset.samples") >= 1);
            assertThat(chromium.evaluate("document.querySelector('[data-path=state]').textContent")
                            .asText())
                    .isEqualTo("RUNNING");
            assertThat(chromium.problems()).as("console errors").isEmpty();
        }
    }

    @Test
    void withoutJavaScriptThePageIsTheServerRenderedTable() {
        try (HeadlessChromium chromium = HeadlessChromium.start(
                dir.resolve("chromium-noscript"), List.of("--blink-settings=scriptEnabled=false"))) {
            chromium.headers(Map.of("Authorization", "Bearer " + adminToken));
            chromium.navigate(page());
            String html = chromium.html();
            assertThat(html)
                    .contains("<td data-path=\"state\">RUNNING</td>")
                    .contains("data-path=\"store.state\"")
                    .contains("data-path=\"listeners.management\">" + service.managementPort() + "<")
                    .containsPattern("<section id=\"charts\" hidden(=\"\")?>")
                    .doesNotContain("data-samples=");
            assertThat(chromium.problems()).as("console errors").isEmpty();
        }
    }
}
