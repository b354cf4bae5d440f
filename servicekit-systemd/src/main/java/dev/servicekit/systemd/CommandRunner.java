package dev.servicekit.systemd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs one command with the C locale, no input and a timeout, and collects its output. */
final class CommandRunner {

    private CommandRunner() {}

    /**
     * Runs {@code command} and waits for it, at most {@code timeout} (then kills it: exit code 124).
     *
     * @param environment extra environment variables (e.g. {@code SYSTEMD_PAGER=})
     * @param missingHint what to say when the command cannot be started at all
     * @throws UncheckedIOException when the command cannot be started
     */
    static CommandResult run(
            List<String> command, Map<String, String> environment, Duration timeout, String missingHint) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C");
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot run \"" + String.join(" ", command) + "\": " + e.getMessage() + "; " + missingHint, e);
        }
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // nothing to tell a command that reads no input
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new CommandResult(
                        124, out.getNow(""), "\"" + String.join(" ", command) + "\" did not finish within " + timeout);
            }
            return new CommandResult(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new CommandResult(130, "", "interrupted while running \"" + String.join(" ", command) + "\"");
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
