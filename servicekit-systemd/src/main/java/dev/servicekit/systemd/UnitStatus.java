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
 * A unit's state as {@code systemctl show -p LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainCode,…}
 * prints it ({@code Key=Value} lines).
 *
 * @param execMainStatus how the last main process ended, as a shell reports it: its exit code, or 128 + the signal
 *                       that killed it; empty while the main process has not exited (systemd then shows
 *                       {@code ExecMainStatus=0}, which is no exit code at all)
 * @param killedBy       the signal that killed the last main process, e.g. {@code SIGKILL}
 */
record UnitStatus(
        String loadState,
        String activeState,
        String subState,
        long mainPid,
        OptionalInt restarts,
        OptionalInt execMainStatus,
        Optional<String> killedBy,
        OptionalLong stateChangeMonotonicMicros) {

    /** The properties {@link #parse(String)} reads, for {@code systemctl show -p}. */
    static final List<String> PROPERTIES = List.of(
            "LoadState",
            "ActiveState",
            "SubState",
            "MainPID",
            "NRestarts",
            "ExecMainCode",
            "ExecMainStatus",
            "StateChangeTimestampMonotonic");

    private static final long CLD_KILLED = 2;
    private static final long CLD_DUMPED = 3;

    static UnitStatus parse(String showOutput) {
        Map<String, String> p = new HashMap<>();
        showOutput.lines().forEach(line -> {
            int eq = line.indexOf('=');
            if (eq > 0) {
                p.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        });
        OptionalInt status = toInt(number(p.get("ExecMainStatus")));
        OptionalLong code = number(p.get("ExecMainCode")); // the waitid() si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED
        Optional<String> killedBy = Optional.empty();
        if (code.isPresent() && code.getAsLong() == 0) {
            status = OptionalInt.empty(); // the main process has not exited
        } else if (code.isPresent() && (code.getAsLong() == CLD_KILLED || code.getAsLong() == CLD_DUMPED)) {
            if (status.isPresent()) {
                killedBy = Optional.of(signalName(status.getAsInt()));
                status = OptionalInt.of(128 + status.getAsInt());
            }
        }
        return new UnitStatus(
                p.getOrDefault("LoadState", "not-found"),
                p.getOrDefault("ActiveState", "inactive"),
                p.getOrDefault("SubState", "dead"),
                number(p.get("MainPID")).orElse(0),
                toInt(number(p.get("NRestarts"))),
                status,
                killedBy,
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

    /** systemctl's own words, {@code active (running)}, and the signal that killed the last main process. */
    String describe() {
        return activeState + " (" + subState + ")" + (loadState.equals("loaded") ? "" : ", " + loadState)
                + killedBy.map(signal -> ", killed by " + signal).orElse("");
    }

    /** {@code SIGKILL} for 9: the signals numbered alike on every Linux architecture; others by number. */
    static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
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
