package dev.servicekit.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * The request id every Servicekit response carries in {@code X-Request-Id} and every problem body in
 * {@code requestId}.
 *
 * <p>A valid incoming {@code X-Request-Id} (1..128 characters from {@code A-Z a-z 0-9 . _ : @ / + = -})
 * is kept, so ids chain across services; anything else (missing, too long, spaces, control characters)
 * is replaced by a fresh random id of 32 hex characters. While a handler runs, the id is also in the
 * SLF4J MDC under {@value #MDC_KEY}, so every log line of the request carries it.
 */
public final class RequestIds {

    /** The header that carries the id, in requests and responses. */
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");
    /** The MDC key under which the id is available while a request is handled. */
    public static final String MDC_KEY = "requestId";

    static final int MAX_LENGTH = 128;

    private RequestIds() {}

    /**
     * The id of the request being handled.
     *
     * @param request a request served by an {@link ApiServer} or {@link ManagementServer}
     * @return the id, never empty
     * @throws IllegalStateException if the request did not pass through the Servicekit middleware
     */
    public static String current(ServerRequest request) {
        Objects.requireNonNull(request, "request");
        RequestState state = RequestState.find(request);
        if (state != null) {
            return state.requestId();
        }
        return Optional.ofNullable(MDC.get(MDC_KEY))
                .orElseThrow(() -> new IllegalStateException(
                        "No request id on this request; RequestIds.current works only for requests served by a "
                                + "Servicekit ApiServer or ManagementServer"));
    }

    /** The incoming id if it is safe to echo, otherwise a new one. */
    static String acceptOrGenerate(Optional<String> incoming) {
        return incoming.filter(RequestIds::isValid).orElseGet(RequestIds::generate);
    }

    static boolean isValid(String candidate) {
        if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == ':'
                    || c == '@'
                    || c == '/'
                    || c == '+'
                    || c == '='
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong());
    }
}
