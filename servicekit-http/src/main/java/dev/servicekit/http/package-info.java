/**
 * Servicekit's embedded HTTP servers on Helidon SE WebServer: the {@link dev.servicekit.http.ApiServer}
 * for the service's API and the {@link dev.servicekit.http.ManagementServer} for health (and later metrics
 * and admin) endpoints.
 *
 * <p>Both share one middleware: request ids ({@link dev.servicekit.http.RequestIds}), an access log line
 * per request, security headers, and a single error mapper that renders every failure as RFC 9457
 * {@code application/problem+json} ({@link dev.servicekit.http.ProblemException}). Handlers read and write
 * JSON with {@link dev.servicekit.http.JsonBodies} and signal failures only by throwing.
 */
package dev.servicekit.http;
