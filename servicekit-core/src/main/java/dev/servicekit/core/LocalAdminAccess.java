package dev.servicekit.core;

import java.net.URI;

/**
 * How the {@code reload} verb reaches a running instance that no service manager runs (a foreground
 * {@code run}, a container entry point): the application's loopback management listener. Core knows no HTTP
 * and no authentication; the application supplies this through {@link ServiceApplication#localAdminAccess}.
 * An implementation holds whatever credential it needs (e.g. a short-lived admin token) and must not print it.
 */
public interface LocalAdminAccess {

    /** The management listener's base URI, e.g. {@code http://127.0.0.1:9090}, for messages. */
    URI managementUri();

    /**
     * Asks the running instance to reload its configuration and returns its report, successful or refused
     * (a refused reload is a report with {@code ok} false, not an exception). Blocks for at most about a minute.
     *
     * @throws dev.servicekit.spi.ServiceManagerException with exit code 3 (not running) when nothing answers
     *         at {@link #managementUri()}
     * @throws ServiceException when the listener answers but not with a report (wrong credentials, another
     *         program on the port); the message says what it answered and what to do
     */
    ReloadReport reload();

    /**
     * Asks the running instance how it is, for {@code status}: {@code GET /health/ready}, then
     * {@code GET /admin/status}. Each answer it cannot get (refused, not JSON) is a note in the view, never an
     * exception. Blocks for at most a few seconds.
     *
     * @return the view; empty when nothing answers at {@link #managementUri()}. The default: empty (this access
     *     cannot ask)
     */
    default java.util.Optional<ApplicationView> view() {
        return java.util.Optional.empty();
    }
}
