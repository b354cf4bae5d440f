package dev.servicekit.core;

import java.util.Objects;

/**
 * A socket the service listens on, for {@code doctor}: its name, host and port, and the configuration keys that set
 * them (named in the fix).
 *
 * @param name    what listens, e.g. {@code api}, {@code management}
 * @param host    the host or address it binds, e.g. {@code 0.0.0.0}, {@code 127.0.0.1}
 * @param port    the port; 0 means one chosen at start
 * @param portKey the key that sets the port, e.g. {@code http.port}
 */
public record ListenAddress(String name, String host, int port, String portKey) {

    /** Checks values. */
    public ListenAddress {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(portKey, "portKey");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " of " + name + " is out of range 0-65535");
        }
    }
}
