package dev.servicekit.spi;

import java.util.Objects;

/**
 * What a reload did.
 *
 * @param ok      whether the new configuration is now in effect (false: the old one stays)
 * @param message what changed, what needs a restart, or why the reload was refused
 */
public record ReloadOutcome(boolean ok, String message) {

    /** Checks for null. */
    public ReloadOutcome {
        Objects.requireNonNull(message, "message");
    }
}
