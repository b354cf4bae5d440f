package dev.servicekit.systemd;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link Launchctl} by running the real {@code /bin/launchctl}. */
final class LaunchctlProcess implements Launchctl {

    /** Where macOS keeps launchctl; an absolute path so a PATH entry cannot stand in for it under sudo. */
    static final Path EXECUTABLE = Path.of("/bin/launchctl");

    /** {@code bootout} waits for the job to exit, up to its {@code ExitTimeOut}. */
    private final Duration commandTimeout;

    LaunchctlProcess(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    @Override
    public CommandResult run(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(EXECUTABLE.toString());
        command.addAll(arguments);
        return CommandRunner.run(
                command, Map.of(), commandTimeout, "launchd exists only on macOS, choose another --platform elsewhere");
    }
}
