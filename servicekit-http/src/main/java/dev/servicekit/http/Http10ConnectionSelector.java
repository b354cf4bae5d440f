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
 * Claims the connections whose first request is HTTP/1.0, which Helidon 4 answers with
 * {@code 505 HTTP Version Not Supported} by design (helidon-io/helidon#9604, #9715), and serves them with
 * Helidon's own HTTP/1 connection: see {@link Http10Connection}. Registered on every Servicekit listener
 * ahead of Helidon's HTTP/1.1 selector, which keeps every other connection.
 *
 * <p>The test is the one Helidon's {@code Http1ConnectionSelector} makes for HTTP/1.1: the first line ends with
 * {@code " HTTP/1.0\r"}. A first packet without a complete line is claimed too (as Helidon's selector claims it),
 * so a request line that arrives in pieces still reaches the right protocol: {@link Http10Connection} reads the
 * whole line and hands anything but HTTP/1.0 to a plain Helidon HTTP/1.1 connection.
 */
final class Http10ConnectionSelector implements ServerConnectionSelector {

    private static final String HTTP_1_0_LINE_END = " HTTP/1.0\r";

    private final Http1Config http11Config;
    private final Http1ConnectionSelector http11;
    private final Http1ConnectionSelector http10;

    private Http10ConnectionSelector(Http1Config http11Config) {
        this.http11Config = http11Config;
        this.http11 = Http1ConnectionSelector.builder().config(http11Config).build();
        this.http10 = Http1ConnectionSelector.builder()
                .config(Http10Connection.http10Config(http11Config))
                .build();
    }

    /** For listeners with Helidon's default HTTP/1 settings, the ones Servicekit uses. */
    static Http10ConnectionSelector create() {
        return new Http10ConnectionSelector(Http1Config.create());
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        int lf = data.indexOf(Bytes.LF_BYTE);
        if (lf == -1) {
            return data.available() <= http11Config.maxPrologueLength() ? Support.SUPPORTED : Support.UNSUPPORTED;
        }
        return data.readString(lf).endsWith(HTTP_1_0_LINE_END) ? Support.SUPPORTED : Support.UNSUPPORTED;
    }

    /** TLS clients that offer only {@code http/1.0} in ALPN get this selector; {@code http/1.1} stays Helidon's. */
    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of("http/1.0");
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new Http10Connection(ctx, http10, http11, http11Config.maxPrologueLength());
    }
}
