package dev.servicekit.testing;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Wine's own reports that a Windows process crashed or could not be started, and the one way tests that check a Wine
 * command's output deal with them: run the command once more. Both were seen in CI on 2026-12-06, each once in
 * hundreds of runs: the Windows Java 17 crashed while exiting, after it had printed everything and set its exit code;
 * and {@code wine reg} was not started at all ("ShellExecuteEx failed: Internal error"). Neither message is ever a
 * command's own output.
 *
 * {@snippet :
 * Result r = WineFault.runAgainOnce("status-json", () -> fixture("status-json", name), Result::all);
 * }
 */
public final class WineFault {

    /** What Wine prints on stderr when a Windows process crashes. */
    public static final String CRASH = "wine: Unhandled page fault";

    /** What Wine's {@code start.exe} prints when it could not start the program a {@code wine} command named. */
    public static final String NOT_STARTED = "ShellExecuteEx failed";

    private static final List<String> MARKERS = List.of(CRASH, NOT_STARTED);

    private WineFault() {}

    /**
     * Runs {@code command}, and once more when Wine reported a fault in its output, saying so on stdout. A second
     * fault in a row is returned as it is, for the caller's assertions to fail on. Only for commands that may run
     * twice.
     *
     * @param what what the command is, for the line on stdout
     * @param command runs the Wine command and returns its result
     * @param output the result's stdout and stderr
     * @return the result of the last run
     */
    public static <R> R runAgainOnce(String what, Callable<R> command, Function<R, String> output) throws Exception {
        Objects.requireNonNull(what, "what");
        R first = command.call();
        String firstOutput = output.apply(first);
        if (MARKERS.stream().noneMatch(firstOutput::contains)) {
            return first;
        }
        System.out.println("Wine failed running " + what + "; running it again: " + firstOutput.strip());
        return command.call();
    }
}
