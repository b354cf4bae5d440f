package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test kit's Chromium: what it reports as a problem is what a page really did, so an empty list means something. */
class HeadlessChromiumTest {

    @TempDir
    Path dir;

    private static URI page(String html) {
        return URI.create("data:text/html;charset=utf-8,"
                + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    @Test
    void consoleErrorsUncaughtExceptionsAndFailedLoadsAreProblemsAndAQuietPageHasNone() throws Exception {
        assumeTrue(HeadlessChromium.available(), HeadlessChromium.EXECUTABLE + " is missing: skipping");
        try (HeadlessChromium chromium = HeadlessChromium.start(dir)) {
            chromium.navigate(page("<title>quiet</title><p id=p>hello</p><script>console.log('fine')</script>"));
            assertThat(chromium.evaluate("document.getElementById('p').textContent")
                            .asText())
                    .isEqualTo("hello");
            assertThat(chromium.html()).contains("<p id=\"p\">hello</p>");
            assertThat(chromium.problems()).isEmpty();

            chromium.navigate(page("<script>console.error('first problem');"
                    + "setTimeout(function () { throw new Error('second problem'); }, 0);</script>"
                    + "<img src=\"http://127.0.0.1:1/missing.png\">"));
            List<String> problems = Poll.until(
                    Duration.ofSeconds(20), "three problems reported", chromium::problems, found -> found.size() >= 3);
            assertThat(String.join("\n", problems))
                    .contains("first problem")
                    .contains("second problem")
                    .contains("127.0.0.1:1/missing.png");

            Path png = chromium.screenshot(dir.resolve("shot.png"));
            assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
            assertThatThrownBy(() -> chromium.evaluate("undefinedFunction()")).hasMessageContaining("threw");
        }
    }
}
