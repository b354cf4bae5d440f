package dev.servicekit.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One INFO line per request on logger {@value #LOGGER_NAME}, for example
 * {@code GET /api/v1/users 200 512B 3ms requestId=4f0c… subject=-}. The same fields are in the MDC
 * ({@code requestId, method, path, status, bytes, durationMs, subject}) while the line is logged, so a
 * JSON encoder emits them as fields.
 */
final class AccessLog {

    static final String LOGGER_NAME = "dev.servicekit.http.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final String[] FIELD_KEYS = {"method", "path", "status", "bytes", "durationMs", "subject"};

    void log(String method, String path, int status, long bytes, long durationMs, String requestId, String subject) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        boolean ownsRequestId = MDC.get(RequestIds.MDC_KEY) == null;
        if (ownsRequestId) {
            MDC.put(RequestIds.MDC_KEY, requestId);
        }
        String statusText = Integer.toString(status);
        String bytesText = Long.toString(bytes);
        String durationText = Long.toString(durationMs);
        MDC.put("method", method);
        MDC.put("path", path);
        MDC.put("status", statusText);
        MDC.put("bytes", bytesText);
        MDC.put("durationMs", durationText);
        MDC.put("subject", subject);
        try {
            // The line is built here, not from a "{} {} …" pattern: SLF4J's formatter scans the pattern and boxes the
            // numbers on every request, 4 % of the CPU of a GET by id on the shipped defaults (docs/performance.md).
            LOG.info(new StringBuilder(128)
                    .append(method)
                    .append(' ')
                    .append(path)
                    .append(' ')
                    .append(statusText)
                    .append(' ')
                    .append(bytesText)
                    .append("B ")
                    .append(durationText)
                    .append("ms requestId=")
                    .append(requestId)
                    .append(" subject=")
                    .append(subject)
                    .toString());
        } finally {
            for (String key : FIELD_KEYS) {
                MDC.remove(key);
            }
            if (ownsRequestId) {
                MDC.remove(RequestIds.MDC_KEY);
            }
        }
    }

    /** A response Helidon produced before routing (malformed request); its duration is not known. */
    void logUnrouted(String method, String path, int status, long bytes, String requestId) {
        log(method == null || method.isEmpty() ? "-" : method, path, status, bytes, 0, requestId, "-");
    }
}
