package dev.servicekit.systemd;

import dev.servicekit.spi.ServiceStatus;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loaded job as {@code launchctl print <domain>/<label>} shows it. Only the top-level {@code key = value} lines
 * count: nested blocks ({@code arguments = {…}}, {@code endpoints = {…}}) have {@code state} lines of their own.
 * {@code launchctl print} is documented as not machine-readable, so unknown lines are ignored and every field is
 * optional.
 *
 * @param state        {@code running}, {@code waiting}, {@code not running}, {@code spawn scheduled}, …
 * @param pid          the job's process id while it runs
 * @param lastExitCode the last exit code; empty for {@code (never exited)}
 * @param runs         how often launchd started it since it was loaded
 */
record LaunchdJobStatus(String state, OptionalLong pid, OptionalInt lastExitCode, OptionalInt runs) {

    private static final Pattern LEADING_NUMBER = Pattern.compile("-?\\d+");

    static LaunchdJobStatus parse(String printOutput) {
        Map<String, String> top = new HashMap<>();
        int depth = 0;
        for (String raw : printOutput.lines().toList()) {
            String line = raw.strip();
            if (line.endsWith("{")) {
                depth++;
                continue;
            }
            if (line.startsWith("}")) {
                depth--;
                continue;
            }
            int eq = line.indexOf(" = ");
            if (depth == 1 && eq > 0) {
                top.putIfAbsent(
                        line.substring(0, eq).strip(), line.substring(eq + 3).strip());
            }
        }
        return new LaunchdJobStatus(
                top.getOrDefault("state", "unknown"),
                number(top.get("pid")),
                toInt(number(top.get("last exit code"))),
                toInt(number(top.get("runs"))));
    }

    /** launchd has started the process and it has not exited. */
    boolean running() {
        return state.equals("running");
    }

    /** Not running and it ran before: it exited (or crashed) since it was loaded. */
    boolean exited() {
        return !running() && lastExitCode.isPresent();
    }

    String describe() {
        return "state = " + state;
    }

    ServiceStatus toServiceStatus() {
        OptionalInt restarts =
                runs.isPresent() ? OptionalInt.of(Math.max(0, runs.getAsInt() - 1)) : OptionalInt.empty();
        return new ServiceStatus(
                true, running(), describe(), running() ? pid : OptionalLong.empty(), lastExitCode, restarts);
    }

    private static OptionalLong number(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        Matcher m =
                LEADING_NUMBER.matcher(text); // "78: EX_CONFIG" on newer macOS, "(never exited)" before the first exit
        return m.lookingAt() ? OptionalLong.of(Long.parseLong(m.group())) : OptionalLong.empty();
    }

    private static OptionalInt toInt(OptionalLong value) {
        return value.isPresent() ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
    }
}
