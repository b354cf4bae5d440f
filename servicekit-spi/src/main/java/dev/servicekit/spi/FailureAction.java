package dev.servicekit.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the service manager does when the service fails: restart it after a delay, or nothing. The
 * first action applies to the first failure within the reset period, the second to the second, and
 * the last one to every later failure.
 *
 * @param kind  restart or none
 * @param delay how long to wait before the action
 */
public record FailureAction(Kind kind, Duration delay) {

    /** The kinds of action. */
    public enum Kind {
        /** Start the service again. */
        RESTART,
        /** Leave it stopped. */
        NONE
    }

    /** Checks values. */
    public FailureAction {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("failure action delay must not be negative, was " + delay);
        }
    }

    /**
     * Parses the {@code --on-failure} syntax: comma-separated {@code restart:<duration>} or {@code none},
     * e.g. {@code restart:5s,restart:30s,none}. Durations: {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}.
     *
     * @throws IllegalArgumentException naming the bad item and the accepted forms
     */
    public static List<FailureAction> parseList(String text) {
        List<FailureAction> actions = new ArrayList<>();
        for (String raw : text.split(",")) {
            String item = raw.strip().toLowerCase(Locale.ROOT);
            if (item.equals("none")) {
                actions.add(new FailureAction(Kind.NONE, Duration.ZERO));
            } else if (item.startsWith("restart:")) {
                actions.add(new FailureAction(Kind.RESTART, Durations.parse(item.substring("restart:".length()))));
            } else if (item.equals("restart")) {
                actions.add(new FailureAction(Kind.RESTART, Duration.ZERO));
            } else {
                throw new IllegalArgumentException(
                        "\"" + raw.strip() + "\" is not a failure action; write restart:<delay> or none, "
                                + "e.g. --on-failure restart:5s,restart:30s,none");
            }
        }
        return List.copyOf(actions);
    }

    /** The {@code --on-failure} spelling of this action. */
    @Override
    public String toString() {
        return kind == Kind.NONE ? "none" : "restart:" + Durations.format(delay);
    }
}
