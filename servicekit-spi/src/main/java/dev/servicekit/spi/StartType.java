package dev.servicekit.spi;

import java.util.Locale;

/** When the service manager starts the service. */
public enum StartType {
    /** At boot. */
    AUTO,
    /** At boot, after the other automatic services (Windows delayed auto-start; elsewhere like AUTO). */
    DELAYED,
    /** Only when someone starts it. */
    MANUAL,
    /** Never; it cannot be started until the start type changes. */
    DISABLED;

    /** The command-line spelling: {@code auto}, {@code delayed}, {@code manual}, {@code disabled}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
