package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.request;
import static dev.servicekit.http.HttpTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ValidatedHeader} against Helidon's own headers and check: the same refusals when made, the same bytes and
 * answers when sent, and request ids that Helidon's check would always have let through.
 */
class ValidatedHeaderTest {

    private static final HeaderName NAME = HeaderNames.create("X-Test");

    @Test
    void refusesWhatHelidonsCheckRefusesWithHelidonsMessage() {
        for (String value : List.of(" leading space", "a\r\nSet-Cookie: x=y", "bell\u0007", "del\u007f", "\tab")) {
            Header helidons = HeaderValues.createCached(NAME, value);
            assertThatThrownBy(helidons::validate).isInstanceOf(IllegalArgumentException.class);
            String message = catchMessage(helidons);
            assertThatThrownBy(() -> ValidatedHeader.of(NAME, value))
                    .as("value %s", value.replace("\r", "\\r").replace("\n", "\\n"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }
        assertThatThrownBy(() -> ValidatedHeader.of(HeaderNames.create("Bad Name"), "v"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void answersAndWritesAsHelidonsCachedHeader() {
        for (String value : List.of("nosniff", "application/json; charset=utf-8", "no-store", "a\tb", "ü-latin1")) {
            Header helidons = HeaderValues.createCached(NAME, value);
            Header ours = ValidatedHeader.of(NAME, value);

            assertThat(ours.name()).isEqualTo(helidons.name());
            assertThat(ours.headerName()).isEqualTo(helidons.headerName());
            assertThat(ours.get()).isEqualTo(helidons.get());
            assertThat(ours.values()).isEqualTo(helidons.values());
            assertThat(ours.allValues()).isEqualTo(helidons.allValues());
            assertThat(ours.allValues(true)).isEqualTo(helidons.allValues(true));
            assertThat(ours.valueCount()).isEqualTo(helidons.valueCount());
            assertThat(ours.sensitive()).isEqualTo(helidons.sensitive());
            assertThat(ours.changing()).isEqualTo(helidons.changing());
            assertThat(ours.valueBytes()).isEqualTo(helidons.valueBytes());
            assertThat(ours.asOptional()).isEqualTo(helidons.asOptional());
            assertThat(written(ours)).isEqualTo(written(helidons));
        }
        assertThat(ValidatedHeader.of(NAME, "42").asInt().get()).isEqualTo(42);
    }

    @Test
    void everyCharacterARequestIdMayHoldPassesHelidonsCheckAnywhere() {
        int allowed = 0;
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            String alone = String.valueOf(c);
            if (!RequestIds.isValid(alone)) {
                continue;
            }
            allowed++;
            HeaderValues.create(RequestIds.HEADER, alone).validate();
            HeaderValues.create(RequestIds.HEADER, "x" + alone + "x").validate();
        }
        assertThat(allowed).isEqualTo(26 + 26 + 10 + 8);
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            String id = RequestIds.acceptOrGenerate(java.util.Optional.of(randomCandidate(random)));
            HeaderValues.create(RequestIds.HEADER, id).validate();
            assertThat(written(ValidatedHeader.requestId(id)))
                    .isEqualTo(written(HeaderValues.createCached(RequestIds.HEADER, id)));
        }
    }

    @Test
    void aHeaderAHandlerSetsIsStillCheckedByHelidon() {
        ApiServer server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)), List.of(Route.get("/split", (req, res) -> {
                    res.header("X-Custom", "a\r\nSet-Cookie: stolen=1");
                    res.send("body");
                })));
        server.start();
        try {
            HttpResponse<String> response =
                    send(request(server.port(), "/split").GET().build());

            // Helidon refuses to write it and answers with its problem for a request it cannot serve.
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
            assertThat(response.headers().firstValue("X-Custom")).isEmpty();
            assertThat(response.body()).doesNotContain("body");
            assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
        } finally {
            server.stop();
        }
    }

    private static String randomCandidate(Random random) {
        StringBuilder candidate = new StringBuilder();
        int length = 1 + random.nextInt(40);
        for (int i = 0; i < length; i++) {
            candidate.append(
                    random.nextInt(4) == 0 ? (char) random.nextInt(0x180) : (char) (0x21 + random.nextInt(94)));
        }
        return candidate.toString();
    }

    private static String catchMessage(Header header) {
        try {
            header.validate();
            throw new AssertionError("expected Helidon to refuse " + header);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static byte[] written(Header header) {
        BufferData buffer = BufferData.growing(128);
        header.writeHttp1Header(buffer);
        byte[] bytes = new byte[buffer.available()];
        buffer.read(bytes);
        return bytes;
    }
}
