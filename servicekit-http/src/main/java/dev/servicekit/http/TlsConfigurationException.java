package dev.servicekit.http;

import java.util.List;
import java.util.Objects;

/**
 * The TLS material of a listener cannot be used: a certificate, key or keystore file is missing,
 * unreadable, not in the expected format, protected by a different password, or the key does not belong
 * to the certificate. The message lists every problem found, each naming the file and the fix, for example:
 *
 * <pre>TLS for the API server cannot be set up:
 *   - Private key file "/etc/app/key.pem" does not exist; check the path, or create the key (PEM, PKCS#8)</pre>
 *
 * <p>Thrown by {@link ApiServer#start()} and {@link ManagementServer#start()}; nothing is left running when
 * it is thrown. When the files change while the server runs, the same checks run again, and a failure is
 * logged as a warning while the server keeps the certificate it has.
 */
public final class TlsConfigurationException extends HttpServerException {

    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // an immutable copy; the exception is reported, never serialized
    private final List<String> problems;

    TlsConfigurationException(String listenerName, List<String> problems, Throwable cause) {
        super(message(listenerName, problems), cause);
        this.problems = List.copyOf(problems);
    }

    /**
     * Every problem found, one sentence each, in the order the files were checked.
     *
     * @return the problems, never empty
     */
    public List<String> problems() {
        return problems;
    }

    private static String message(String listenerName, List<String> problems) {
        Objects.requireNonNull(listenerName, "listenerName");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems must not be empty");
        }
        StringBuilder message =
                new StringBuilder("TLS for the ").append(listenerName).append(" server cannot be set up:");
        for (String problem : problems) {
            message.append("\n  - ").append(problem);
        }
        return message.toString();
    }
}
