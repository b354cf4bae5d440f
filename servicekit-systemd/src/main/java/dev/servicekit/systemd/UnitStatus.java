package dev.servicekit.systemd;

import dev.servicekit.spi.ServiceStatus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A unit's state as {@code systemctl show -p LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainStatus}
 * prints it ({@code Key=Value} lines).
 */
record UnitStatus(
        String loadState,
        String activeState,
        String subState,
        long mainPid,
        OptionalInt restarts,
        OptionalInt execMainStatus,
        OptionalLong stateChangeMonotonicMicros) {

    /** The properties {@link #parse(String)} reads, for {@code systemctl show -p}. */
    static final List<String> PROPERTIES = List.of(
            "LoadState",
            "ActiveState",
            "SubState",
            "MainPID",
            "NRestarts",
            "ExecMainStatus",
            "StateChangeTimestampMonotonic");

    static UnitStatus parse(String showOutput) {
        Map<String, String> p = new HashMap<>();
        showOutput.lines().forEach(line -> {
            int eq = line.indexOf('=');
            if (eq > 0) {
                p.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        });
        return new UnitStatus(
                p.getOrDefault("LoadState", "not-found"),
                p.getOrDefault("ActiveState", "inactive"),
                p.getOrDefault("SubState", "dead"),
                number(p.get("MainPID")).orElse(0),
                toInt(number(p.get("NRestarts"))),
                toInt(number(p.get("ExecMainStatus"))),
                number(p.get("StateChangeTimestampMonotonic")).stream()
                        .filter(micros -> micros > 0)
                        .findFirst());
    }

    /** The unit file exists and systemd loaded it. */
    boolean installed() {
        return !loadState.equals("not-found");
    }

    /** {@code active} or {@code reloading}: the service runs. */
    boolean running() {
        return activeState.equals("active") || activeState.equals("reloading");
    }

    /** Ended: {@code inactive} or {@code failed}. */
    boolean ended() {
        return activeState.equals("inactive") || activeState.equals("failed");
    }

    /** systemctl's own words: {@code active (running)}. */
    String describe() {
        return activeState + " (" + subState + ")" + (loadState.equals("loaded") ? "" : ", " + loadState);
    }

    /**
     * The status; {@code since} is the state change's {@code CLOCK_MONOTONIC} time (what systemd prints as
     * {@code StateChangeTimestampMonotonic}, the "since" of {@code systemctl status}) turned into wall-clock time with
     * {@code nowMonotonicMicros}, the same clock now (the JVM's {@link System#nanoTime()} on Linux), and
     * {@code now}: one clock for both ends, whatever the machine's wall clock did meanwhile.
     */
    ServiceStatus toServiceStatus(Instant now, long nowMonotonicMicros) {
        if (!installed()) {
            return ServiceStatus.notInstalled();
        }
        Optional<Instant> since = stateChangeMonotonicMicros.isPresent()
                        && stateChangeMonotonicMicros.getAsLong() <= nowMonotonicMicros
                ? Optional.of(now.minus(nowMonotonicMicros - stateChangeMonotonicMicros.getAsLong(), ChronoUnit.MICROS)
                        .truncatedTo(ChronoUnit.SECONDS))
                : Optional.empty();
        return new ServiceStatus(
                true,
                running(),
                describe(),
                mainPid > 0 ? OptionalLong.of(mainPid) : OptionalLong.empty(),
                execMainStatus,
                restarts,
                since);
    }

    private static OptionalLong number(String text) {
        if (text == null || text.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // "[not set]" on older systemd
        }
    }

    private static OptionalInt toInt(OptionalLong value) {
        return value.isPresent() ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
    }
}
