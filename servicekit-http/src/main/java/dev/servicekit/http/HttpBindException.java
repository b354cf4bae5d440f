package dev.servicekit.http;

import java.util.Objects;

/**
 * A listener could not be opened: the port is taken, the host is not an address of this machine, or
 * the process may not bind the port. The message names the host, the port and the configuration key
 * to change, for example:
 *
 * <pre>Port 8080 on 127.0.0.1 is already in use by another process; stop that process or set http.port to a free port</pre>
 *
 * <p>Thrown by {@link ApiServer#start()} and {@link ManagementServer#start()}; nothing is left running
 * when it is thrown.
 */
public final class HttpBindException extends HttpServerException {

    private static final long serialVersionUID = 1L;

    private final String host;
    private final int port;
    private final String portKey;

    HttpBindException(String message, String host, int port, String portKey, Throwable cause) {
        super(message, cause);
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.portKey = Objects.requireNonNull(portKey, "portKey");
    }

    /**
     * The host the listener was configured to bind.
     *
     * @return the configured host, as written in the configuration
     */
    public String host() {
        return host;
    }

    /**
     * The port the listener was configured to bind.
     *
     * @return the configured port
     */
    public int port() {
        return port;
    }

    /**
     * The configuration key a user changes to pick another port, for example {@code http.port}.
     *
     * @return the port's configuration key
     */
    public String portKey() {
        return portKey;
    }
}
