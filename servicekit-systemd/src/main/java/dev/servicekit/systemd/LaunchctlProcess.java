package dev.servicekit.systemd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
    public Result run(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(EXECUTABLE.toString());
        command.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run \"" + String.join(" ", command) + "\": " + e.getMessage()
                    + "; launchd exists only on macOS, choose another --platform elsewhere", e);
        }
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // nothing to tell a command that reads no input
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try {
            if (!p.waitFor(commandTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(124, out.getNow(""), "\"" + String.join(" ", command) + "\" did not finish within " + commandTimeout);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(130, "", "interrupted while running \"" + String.join(" ", command) + "\"");
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
