package dev.servicekit.testing;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Wine's report of a Windows process that crashed, and the one way tests that check a Wine command's stderr deal with
 * it. The Windows Java 17 under Wine crashed once in CI (2026-12-06) while exiting, after it had printed everything
 * and set its exit code; Wine's message on stderr then failed an assertion about the command's own output.
 *
 * {@snippet :
 * Result r = WineCrash.runAgainOnce("status-json", () -> fixture("status-json", name), Result::stderr);
 * }
 */
public final class WineCrash {

    /** What Wine prints on stderr when a Windows process crashes: {@value}. */
    public static final String MARKER = "wine: Unhandled page fault";

    private WineCrash() {}

    /**
     * Runs {@code command}, and once more when Wine reported a crash on its stderr, saying so on stdout. A second crash
     * in a row is returned as it is, for the caller's assertions to fail on. Only for commands that may run twice.
     *
     * @param what what the command is, for the line on stdout
     * @param command runs the Wine command and returns its result
     * @param stderr the result's stderr
     * @return the result of the last run
     */
    public static <R> R runAgainOnce(String what, Callable<R> command, Function<R, String> stderr) throws Exception {
        Objects.requireNonNull(what, "what");
        R first = command.call();
        String firstErr = stderr.apply(first);
        if (!firstErr.contains(MARKER)) {
            return first;
        }
        System.out.println("Wine crashed running " + what + "; running it again: " + firstErr.strip());
        return command.call();
    }
}
