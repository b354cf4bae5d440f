package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.http1.HelidonHostCheck;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HostHeaderCheck} against Helidon's own check (the reference, {@code HelidonHostCheck}): the same values
 * pass, the same fail with the same status and message, and a remembered value spares only itself the check.
 */
class HostHeaderCheckTest {

    private static final HttpPrologue PROLOGUE =
            HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, "/api/v1/users/1", false);

    /** Values a client sends, and the corners of Helidon's rules: IP literals, ports, percent-encoding, blanks. */
    private static final List<String> CHOSEN = List.of(
            "localhost",
            "localhost:8080",
            "127.0.0.1",
            "127.0.0.1:18080",
            "10.0.0.255:1",
            "256.300.1.1",
            "1.2.3.4.5",
            "1.2.3",
            "api.example.com",
            "api.example.com:443",
            "API.Example.COM",
            "xn--bcher-kva.example",
            "[::1]",
            "[::1]:8080",
            "[::1",
            "::1",
            "[::1]:",
            "[::1]:x",
            "[fe80::1%25eth0]",
            "[v1.abc]",
            "[v1.]",
            "[::ffff:127.0.0.1]",
            "[1:2:3:4:5:6:7:8]",
            "[1:2:3:4:5:6:7:8:9]",
            "[]",
            "[",
            "]",
            "a]",
            "[a]b",
            "example.com:",
            "example.com:abc",
            "example.com:-1",
            "example.com:99999999999",
            ":80",
            ":",
            "a:b:c",
            "%41",
            "%4",
            "%zz",
            "a%2Eb",
            "a b",
            " localhost",
            "localhost ",
            "local\thost",
            "h\u00e9llo",
            "a,b",
            "a;b=c",
            "user@host",
            "host/path",
            "host?x",
            "host#x",
            "!$&'()*+,;=",
            "-_.~",
            "a\u007fb");

    /** Characters the generated values are made of: every class Helidon's rules tell apart. */
    private static final String ALPHABET = "aZ09.-_~:[]%fF!,;@/ ?#\t\u00e9\u007f";

    @Test
    void chosenValuesGetHelidonsAnswer() {
        for (String host : CHOSEN) {
            assertSameAnswer(List.of(host));
        }
    }

    @Test
    void generatedValuesGetHelidonsAnswer() {
        Random random = new Random(20261205);
        int failed = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder host = new StringBuilder();
            int length = random.nextInt(14);
            for (int c = 0; c < length; c++) {
                host.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            if (helidonAnswer(List.of(host.toString())) != null) {
                failed++;
            }
            assertSameAnswer(List.of(host.toString()));
        }
        assertThat(failed).as("refused values among the generated ones").isBetween(1_000, 19_000);
    }

    @Test
    void missingEmptyAndRepeatedHostGetHelidonsAnswer() {
        assertSameAnswer(List.of());
        assertSameAnswer(List.of(""));
        assertSameAnswer(List.of("localhost", "localhost"));
        assertSameAnswer(List.of("localhost", "example.com"));
    }

    @Test
    void aRememberedValueIsTheOnlyOneNotCheckedAgain() {
        WritableHeaders<?> headers = headers(List.of("bad host"));

        assertThat(HostHeaderCheck.check(PROLOGUE, headers(List.of("127.0.0.1:8080")), true, "127.0.0.1:8080"))
                .isEqualTo("127.0.0.1:8080");
        assertThatThrownBy(() -> HostHeaderCheck.check(PROLOGUE, headers, true, "127.0.0.1:8080"))
                .as("a different value than the remembered one is checked")
                .isInstanceOf(RequestException.class);
        assertThatThrownBy(() ->
                        HostHeaderCheck.check(PROLOGUE, headers(List.of("localhost", "localhost")), true, "localhost"))
                .as("two Host headers are refused even when both are the remembered value")
                .isInstanceOf(RequestException.class);
    }

    @Test
    void withoutHostHttp10PassesAndHttp11IsRefused() {
        assertThat(HostHeaderCheck.check(PROLOGUE, headers(List.of()), false, null))
                .isNull();
        assertThatThrownBy(() -> HostHeaderCheck.check(PROLOGUE, headers(List.of()), true, null))
                .isInstanceOf(RequestException.class)
                .hasMessage("Host header must be present in the request");
        assertThatThrownBy(() -> HostHeaderCheck.check(PROLOGUE, headers(List.of("a b")), false, null))
                .as("HTTP/1.0's Host, when present, is checked as HTTP/1.1's")
                .isInstanceOf(RequestException.class);
    }

    private static void assertSameAnswer(List<String> hosts) {
        String expected = helidonAnswer(hosts);
        String actual;
        try {
            String remembered = HostHeaderCheck.check(PROLOGUE, headers(hosts), true, null);
            assertThat(remembered).as("the value to remember, for %s", hosts).isEqualTo(hosts.get(0));
            actual = null;
        } catch (RequestException e) {
            actual = describe(e);
        }
        assertThat(actual).as("the answer to Host %s", hosts).isEqualTo(expected);
    }

    /** Null when Helidon lets the request through, else its status, message and whether it keeps the connection. */
    private static String helidonAnswer(List<String> hosts) {
        try {
            HelidonHostCheck.check(PROLOGUE, headers(hosts));
            return null;
        } catch (RequestException e) {
            return describe(e);
        }
    }

    private static String describe(RequestException e) {
        return e.status().code() + " " + e.getMessage() + " keepAlive=" + e.keepAlive() + " type=" + e.eventType()
                + " cause="
                + (e.getCause() == null ? "-" : e.getCause().getClass().getSimpleName());
    }

    private static WritableHeaders<?> headers(List<String> hosts) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (String value : hosts) {
            headers.add(HeaderValues.create(HeaderNames.HOST, value));
        }
        return headers;
    }
}
