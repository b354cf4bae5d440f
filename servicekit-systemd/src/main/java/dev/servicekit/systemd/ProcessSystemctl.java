package dev.servicekit.systemd;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link Systemctl} by running the real {@code systemctl} and {@code journalctl} executables. */
final class ProcessSystemctl implements Systemctl {

    /** {@code systemctl start} of a Type=notify unit blocks until READY=1 or TimeoutStartSec (90 s by default). */
    private final Duration commandTimeout;

    ProcessSystemctl(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    @Override
    public CommandResult run(boolean user, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add("systemctl");
        if (user) {
            command.add("--user");
        }
        command.addAll(arguments);
        return exec(command);
    }

    @Override
    public List<String> journal(boolean user, String unit, int lines) {
        List<String> command =
                new ArrayList<>(List.of("journalctl", "--no-pager", "-o", "short-iso", "-n", Integer.toString(lines)));
        if (user) {
            command.add("--user");
        }
        command.add("-u");
        command.add(unit);
        try {
            CommandResult r = exec(command);
            return r.ok() ? r.stdout().lines().toList() : List.of();
        } catch (UncheckedIOException e) {
            return List.of();
        }
    }

    private CommandResult exec(List<String> command) {
        return CommandRunner.run(
                command, Map.of("SYSTEMD_PAGER", ""), commandTimeout, "is systemd installed (systemctl on the PATH)?");
    }
}
