package dev.servicekit.http;

import java.time.Duration;
import java.util.List;

/** The settings both servers hand to {@link HelidonListener}, and their shared validation. */
record ListenerSettings(String name, String host, int port, String portKey, long maxBodyBytes, Duration drainTimeout) {

    static void checkAddress(String host, int port, String portKey, List<String> problems) {
        if (host == null || host.isBlank()) {
            problems.add("host is " + (host == null ? "missing" : "blank")
                    + "; use an address such as 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)");
        }
        if (portKey == null || portKey.isBlank()) {
            problems.add("portKey is " + (portKey == null ? "missing" : "blank")
                    + "; use the configuration key of the port, for example http.port");
        }
        if (port < 0 || port > 65535) {
            problems.add("port is " + port + (portKey == null || portKey.isBlank() ? "" : " (" + portKey + ")")
                    + "; use 1..65535, or 0 for any free port");
        }
    }

    static void failIfAny(String what, List<String> problems) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid " + what + " configuration: " + String.join("; ", problems));
        }
    }
}
