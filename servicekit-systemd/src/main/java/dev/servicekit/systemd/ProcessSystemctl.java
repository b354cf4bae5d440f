package dev.servicekit.systemd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@link Systemctl} by running the real {@code systemctl} and {@code journalctl} executables. */
final class ProcessSystemctl implements Systemctl {

    /** {@code systemctl start} of a Type=notify unit blocks until READY=1 or TimeoutStartSec (90 s by default). */
    private final Duration commandTimeout;

    ProcessSystemctl(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    @Override
    public Result run(boolean user, List<String> arguments) {
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
        List<String> command = new ArrayList<>(List.of("journalctl", "--no-pager", "-o", "short-iso", "-n", Integer.toString(lines)));
        if (user) {
            command.add("--user");
        }
        command.add("-u");
        command.add(unit);
        try {
            Result r = exec(command);
            return r.ok() ? r.stdout().lines().toList() : List.of();
        } catch (UncheckedIOException e) {
            return List.of();
        }
    }

    private Result exec(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SYSTEMD_PAGER", "");
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run \"" + String.join(" ", command) + "\": " + e.getMessage()
                    + "; is systemd installed (systemctl on the PATH)?", e);
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
