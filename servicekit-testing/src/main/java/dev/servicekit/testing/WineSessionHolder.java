package dev.servicekit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps a Wine session alive: a {@code wine cmd} that reads a pipe the test holds open. Wine ends a session when its
 * last process exits (services too), and a {@code wine} command started while a session winds down may fail to start
 * at all; with a holder every command of a test class runs in one live session. Closing it ends the holder only;
 * {@code wineserver -k} ends the rest.
 *
 * {@snippet :
 * try (WineSessionHolder holder = WineSessionHolder.start(env -> WineSessionHolder.environment(env, prefix, "-all"),
 *         work.resolve("holder.out"), work.resolve("holder.err"))) {
 *     // wine commands with the same WINEPREFIX run in the holder's session
 * }
 * }
 */
public final class WineSessionHolder implements AutoCloseable {

    /** How long the holder may take to print {@code cmd}'s banner. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process holder;

    private WineSessionHolder(Process holder) {
        this.holder = holder;
    }

    /**
     * Starts {@code wine cmd} and waits for its banner: no other Wine process may start before the holder owns the
     * session.
     *
     * @param environment sets the holder's environment (at least {@code WINEPREFIX})
     * @param stdout where the holder's stdout goes
     * @param stderr where the holder's stderr goes; services started in the session inherit it
     * @throws IllegalStateException when the holder exits or prints nothing within a minute, with its stderr
     */
    public static WineSessionHolder start(Consumer<Map<String, String>> environment, Path stdout, Path stderr)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder("wine", "cmd");
        environment.accept(pb.environment());
        Files.deleteIfExists(stdout);
        pb.redirectOutput(stdout.toFile());
        pb.redirectError(stderr.toFile());
        Process holder = pb.start(); // stdin stays an open pipe: cmd waits on it for as long as we hold it
        try {
            Poll.until(
                    START_TIMEOUT,
                    "the Wine session holder (wine cmd) to print its banner or exit",
                    () -> stdout.toFile().length() > 0 || !holder.isAlive()); // 0 while the file does not exist
        } catch (AssertionError e) {
            holder.destroyForcibly();
            throw new IllegalStateException(
                    "the Wine session holder (wine cmd) did not come up: " + e.getMessage() + "; stderr: "
                            + text(stderr),
                    e);
        }
        if (!holder.isAlive()) {
            throw new IllegalStateException(
                    "the Wine session holder (wine cmd) exited before it came up; stderr: " + text(stderr));
        }
        return new WineSessionHolder(holder);
    }

    /**
     * Sets what every Wine command of a headless test session runs with: its own prefix, no display, no prompt to
     * install Mono or Gecko, and {@code debug} as {@code WINEDEBUG}; for the holder and for the commands alike.
     *
     * @param env the environment to change, e.g. a {@link ProcessBuilder}'s
     * @param prefix the Wine prefix
     * @param debug Wine's debug channels, e.g. {@code -all}
     */
    public static void environment(Map<String, String> env, Path prefix, String debug) {
        env.put("WINEPREFIX", prefix.toString());
        env.put("WINEDLLOVERRIDES", "mscoree,mshtml=");
        env.put("WINEDEBUG", debug);
        env.remove("DISPLAY");
    }

    /** Ends the holder: closes its stdin, then ends it by its pid. */
    @Override
    public void close() throws IOException {
        holder.getOutputStream().close();
        holder.destroy();
        try {
            if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            holder.destroyForcibly();
        }
    }

    private static String text(Path file) throws IOException {
        return Files.exists(file)
                ? new String(
                        Files.readAllBytes(file), StandardCharsets.UTF_8) // lenient: Wine may print other encodings
                : "";
    }
}
