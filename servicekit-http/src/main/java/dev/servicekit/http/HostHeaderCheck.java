package dev.servicekit.http;

import io.helidon.common.uri.UriValidator;
import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HtmlEncoder;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectTransportRequest;
import io.helidon.webserver.http1.Http1Config;

/**
 * The {@code Host} check of Helidon's HTTP/1 connection ({@code Http1Config.validateRequestHostHeader}), made once
 * per connection for each new value instead of on every request.
 *
 * <p>Helidon 4.5 checks every request's {@code Host} with {@code UriValidator}, which first matches the host
 * against a regular expression for IPv4 addresses. For a client that names the server by its address
 * ({@code Host: 127.0.0.1:8080}: probes, services calling each other by IP, the bench's load) that match was 5–7 %
 * of the CPU of a GET by id (docs/performance.md). A client on a keep-alive connection sends the same value with every
 * request, so a connection remembers the value its last request passed with and checks only a different one.
 *
 * <p>What is checked, and how a failure is answered, is Helidon's (4.5.0 {@code Http1Connection.doValidateHostHeader}):
 * exactly one non-empty {@code Host}; an IP literal ({@code [...]}) or a registered name or IPv4 address, checked by
 * Helidon's own {@code UriValidator}; a port that parses as a number. A failure is a 400 that closes the connection,
 * with Helidon's message. {@code HostHeaderCheckTest} holds the two to the same answers.
 */
final class HostHeaderCheck {

    private HostHeaderCheck() {}

    /** Whether Helidon's configuration asks for the full check, which this one then stands in for. */
    @SuppressWarnings("removal") // validateRequestHostHeader: Helidon's switch for the Host check, kept in 4.x
    static boolean appliesTo(Http1Config config) {
        return config.validateRequestHeaders() && config.validateRequestHostHeader();
    }

    /**
     * Checks the request's {@code Host} header.
     *
     * @param prologue the request's line, for the error answer
     * @param headers the request's headers
     * @param required whether a request without {@code Host} is refused (HTTP/1.1) or passes (HTTP/1.0)
     * @param lastValid the value the connection's previous request passed with, or null
     * @return the value that passed, for the connection to remember; null if there is none and none is required
     * @throws RequestException 400, closing the connection, as Helidon answers a {@code Host} it refuses
     */
    static String check(HttpPrologue prologue, Headers headers, boolean required, String lastValid) {
        if (!headers.contains(HeaderNames.HOST)) {
            if (required) {
                throw badRequest(prologue, headers, "Host header must be present in the request", null);
            }
            return null;
        }
        Header host = headers.get(HeaderNames.HOST);
        if (host.valueCount() != 1) {
            throw badRequest(prologue, headers, "Only a single Host header is allowed in request", null);
        }
        String value = host.get();
        if (value.equals(lastValid)) {
            return lastValid;
        }
        checkValue(prologue, headers, value);
        return value;
    }

    /** Helidon's checks of one value, in Helidon's order. */
    private static void checkValue(HttpPrologue prologue, Headers headers, String host) {
        if (host.isEmpty()) {
            throw badRequest(prologue, headers, "Host header must not be empty", null);
        }
        try {
            int startLiteral = host.indexOf('[');
            int endLiteral = host.lastIndexOf(']');
            if (startLiteral == 0 && (endLiteral == host.length() - 1 || endLiteral == -1)) {
                UriValidator.validateIpLiteral(host); // an IPv6 address without a port, or a broken one
                return;
            }
            int colon = host.lastIndexOf(':');
            if (colon == -1) {
                UriValidator.validateNonIpLiteral(host);
                return;
            }
            String port = host.substring(colon + 1);
            try {
                Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw badRequest(
                        prologue, headers, "Invalid port of the host header: " + HtmlEncoder.encode(port), null);
            }
            String name = host.substring(0, colon);
            if (startLiteral == 0 && endLiteral == name.length() - 1) {
                UriValidator.validateIpLiteral(name);
            } else {
                UriValidator.validateNonIpLiteral(name);
            }
        } catch (IllegalArgumentException e) {
            throw badRequest(prologue, headers, "Invalid Host header: " + e.getMessage(), e);
        }
    }

    private static RequestException badRequest(
            HttpPrologue prologue, Headers headers, String message, IllegalArgumentException cause) {
        RequestException.Builder builder = RequestException.builder()
                .type(DirectHandler.EventType.BAD_REQUEST)
                .status(Status.BAD_REQUEST_400)
                .request(DirectTransportRequest.create(prologue, headers))
                .setKeepAlive(false)
                .message(message);
        if (cause != null) {
            builder.cause(cause);
        }
        return builder.build();
    }
}
