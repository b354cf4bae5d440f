package io.helidon.webserver.http1;

import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;

/**
 * Test access to Helidon's own {@code Host} check, the reference {@code dev.servicekit.http.HostHeaderCheckTest}
 * holds Servicekit's to. It lives in Helidon's package because the check is package-private there; on the test class
 * path nothing else of Helidon's is touched.
 */
public final class HelidonHostCheck {

    private HelidonHostCheck() {}

    /** Helidon 4.5's full check, as its HTTP/1 connection makes it on every request. */
    public static void check(HttpPrologue prologue, WritableHeaders<?> headers) {
        Http1Connection.validateHostHeader(prologue, headers, true);
    }
}
