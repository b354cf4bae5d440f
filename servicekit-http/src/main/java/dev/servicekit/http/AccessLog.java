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
        MDC.put("method", method);
        MDC.put("path", path);
        MDC.put("status", Integer.toString(status));
        MDC.put("bytes", Long.toString(bytes));
        MDC.put("durationMs", Long.toString(durationMs));
        MDC.put("subject", subject);
        try {
            LOG.info(
                    "{} {} {} {}B {}ms requestId={} subject={}",
                    method,
                    path,
                    status,
                    bytes,
                    durationMs,
                    requestId,
                    subject);
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
