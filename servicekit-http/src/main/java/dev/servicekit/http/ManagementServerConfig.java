package dev.servicekit.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the management listener (health, later metrics and admin endpoints).
 *
 * {@snippet :
 * ManagementServerConfig config = new ManagementServerConfig("127.0.0.1", 9090, "management.port");
 * }
 *
 * @param host    host name or address to bind; loopback by default in Servicekit configuration
 * @param port    TCP port, 0..65535; 0 picks a free port (see {@link ManagementServer#port()})
 * @param portKey the configuration key a user changes to move the port, used in error messages
 */
public record ManagementServerConfig(String host, int port, String portKey) {

    /** Validates every field and reports all problems in one {@link IllegalArgumentException}. */
    public ManagementServerConfig {
        List<String> problems = new ArrayList<>();
        ListenerSettings.checkAddress(host, port, portKey, problems);
        ListenerSettings.failIfAny("management server", problems);
    }
}
