package dev.servicekit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process a test runs to its end, its output redirected to a file (a pipe read to its end would wait for as
 * long as the child ran, past any bound): a bounded wait, and nothing of its process tree left behind when the wait
 * fails.
 */
public final class BoundedProcess {

    private BoundedProcess() {}

    /**
     * Waits up to {@code bound} for {@code process} to exit and returns its exit value. When it does not exit in
     * time, or the wait is interrupted, it and every process it started are killed (SIGKILL), and a process that did
     * not exit in time fails the test with {@code what} and its output so far.
     *
     * @param output the file the process's output is redirected to
     */
    public static int awaitExit(Process process, Duration bound, String what, Path output)
            throws InterruptedException, IOException {
        return awaitExit(process, bound, what, List.of(new Output("output", output)));
    }

    /**
     * As {@link #awaitExit(Process, Duration, String, Path)}, for a process whose standard output and standard error
     * are redirected to two files: a process that did not exit in time fails the test with both.
     */
    public static int awaitExit(Process process, Duration bound, String what, Path stdout, Path stderr)
            throws InterruptedException, IOException {
        return awaitExit(
                process,
                bound,
                what,
                List.of(new Output("standard output", stdout), new Output("standard error", stderr)));
    }

    private record Output(String name, Path file) {}

    private static int awaitExit(Process process, Duration bound, String what, List<Output> outputs)
            throws InterruptedException, IOException {
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                StringBuilder message = new StringBuilder(what + " did not finish within " + bound.toSeconds() + " s");
                String separator = "; ";
                for (Output output : outputs) {
                    message.append(separator)
                            .append("its ")
                            .append(output.name())
                            .append(" so far:\n")
                            .append(Files.readString(output.file(), StandardCharsets.UTF_8));
                    separator = "\n";
                }
                throw new AssertionError(message.toString());
            }
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly); // e.g. a JVM a launcher started
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        return process.exitValue();
    }
}
