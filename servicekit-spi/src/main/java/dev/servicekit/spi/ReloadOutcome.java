package dev.servicekit.spi;

import java.util.Objects;

/**
 * What a reload did.
 *
 * @param ok      whether the new configuration is now in effect (false: the old one stays)
 * @param message what changed, what needs a restart, or why the reload was refused
 */
public record ReloadOutcome(boolean ok, String message) {

    /** The message of a reload that found nothing to change. */
    public static final String UNCHANGED = "configuration unchanged";

    /** Checks for null. */
    public ReloadOutcome {
        Objects.requireNonNull(message, "message");
    }

    /** Whether the reload found the configuration it already runs with: nothing applied, nothing refused. */
    public boolean unchanged() {
        return ok && UNCHANGED.equals(message);
    }
}
