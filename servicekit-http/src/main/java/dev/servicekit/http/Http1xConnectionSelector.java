package dev.servicekit.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.Bytes;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.util.Set;

/**
 * The HTTP/1 protocol of every Servicekit listener, in place of the selector Helidon discovers: HTTP/1.1 as
 * Helidon serves it, and HTTP/1.0, which Helidon 4 alone answers with {@code 505 HTTP Version Not Supported} by
 * design (helidon-io/helidon#9604, #9715). Each connection is an {@link Http1xConnection}, which looks at the first
 * request line and hands HTTP/1.1 to Helidon's own HTTP/1 connection, whose {@code Host} check
 * {@link HostHeaderCheck} makes (the same check, once per connection for each value) and which closes the connection
 * after a response that says {@code Connection: close}.
 *
 * <p>It is the listener's only selector (Helidon's discovery of protocols is off), for two reasons. With one
 * selector Helidon creates the connection at once, so a client that connects and sends nothing sits in an
 * interruptible connection and does not hold up a stop; with two, Helidon first waits for bytes to choose, in a
 * wait that a stop cannot interrupt and that lasts until the drain timeout. And HTTP/1.1 gets the connection
 * Helidon's selector would have made, with those changes. Servicekit serves no protocol upgrade (WebSocket, h2c)
 * and no HTTP/2, which the discovery would otherwise add.
 */
final class Http1xConnectionSelector implements ServerConnectionSelector {

    private static final String HTTP_1_0_LINE_END = " HTTP/1.0\r";
    private static final String HTTP_1_1_LINE_END = " HTTP/1.1\r";

    private final Http1Config http11Config;
    private final Http1ConnectionSelector http11;
    private final Http1ConnectionSelector http10;

    private Http1xConnectionSelector(Http1Config http11Config) {
        this.http11Config = http11Config;
        this.http11 = Http1ConnectionSelector.builder()
                .config(Http1xConnection.http11Config(http11Config))
                .build();
        this.http10 = Http1ConnectionSelector.builder()
                .config(Http1xConnection.http10Config(http11Config))
                .build();
    }

    /** With Helidon's default HTTP/1 settings, the ones its discovered selector would use. */
    static Http1xConnectionSelector create() {
        return new Http1xConnectionSelector(Http1Config.create());
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    /**
     * Asked only when the listener has other selectors too: HTTP/1.0 or HTTP/1.1 by the end of the first line, and,
     * like Helidon's HTTP/1.1 selector, a first line still incomplete within the prologue limit.
     */
    @Override
    public Support supports(BufferData data) {
        int lf = data.indexOf(Bytes.LF_BYTE);
        if (lf == -1) {
            return data.available() <= http11Config.maxPrologueLength() ? Support.SUPPORTED : Support.UNSUPPORTED;
        }
        String line = data.readString(lf);
        return line.endsWith(HTTP_1_1_LINE_END) || line.endsWith(HTTP_1_0_LINE_END)
                ? Support.SUPPORTED
                : Support.UNSUPPORTED;
    }

    /** ALPN over TLS: {@code http/1.1}, as Helidon's selector offers it, and {@code http/1.0}. */
    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of("http/1.1", "http/1.0");
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new Http1xConnection(ctx, http10, http11, http11Config.maxPrologueLength());
    }
}
