package dev.servicekit.spi;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The short duration syntax of the command line: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}. */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {}

    /**
     * Parses a short duration, at most {@link Long#MAX_VALUE} milliseconds (so that {@link #format} and
     * {@link Duration#toMillis()} work on every result).
     *
     * @throws IllegalArgumentException with the accepted forms, also for a number too large to hold
     */
    public static Duration parse(String text) {
        Matcher m = SHORT.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "\"" + text + "\" is not a duration; write e.g. 500ms, 5s, 2m, 1h or 1d");
        }
        String unit = m.group(2);
        long millisPerUnit = switch (unit) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 86_400_000;
        };
        long most = Long.MAX_VALUE / millisPerUnit;
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException onlyDigitsSoTooLarge) {
            throw tooLarge(text, unit, most);
        }
        if (n > most) {
            throw tooLarge(text, unit, most);
        }
        return Duration.ofMillis(n * millisPerUnit); // n <= most: cannot overflow
    }

    private static IllegalArgumentException tooLarge(String text, String unit, long most) {
        return new IllegalArgumentException("\"" + text + "\" is not a duration: the most that can be written in "
                + unit + " is " + most + unit + "; write e.g. 500ms, 5s, 2m, 1h or 1d");
    }

    /** The shortest exact short spelling: {@code 90s}, {@code 2m}, {@code 1d}, {@code 250ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
