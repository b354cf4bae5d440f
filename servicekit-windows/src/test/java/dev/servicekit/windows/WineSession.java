package dev.servicekit.windows;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.WineSessionHolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A headless Wine session with its own prefix, kept alive by a holder process ({@code wine cmd} reading a pipe
 * the test holds open): Wine ends a session, and kills its services, when the last ordinary Wine process exits.
 * The holder is the session's first process and runs with {@code WINEDEBUG=-all,+eventlog}, so services' Event
 * Log calls appear on its stderr ({@link #sessionLog()}). See docs in shared/notes/windows-and-systemd-testing.md.
 */
final class WineSession implements AutoCloseable {

    /** One finished command. */
    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private final Path prefix;
    private final Path sessionErr;
    private final WineSessionHolder holder;

    private WineSession(Path prefix, Path sessionErr, WineSessionHolder holder) {
        this.prefix = prefix;
        this.sessionErr = sessionErr;
        this.holder = holder;
    }

    /** {@code wine} on the PATH, if any. */
    static Optional<Path> wineExecutable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path wine = Path.of(dir, "wine");
            if (Files.isExecutable(wine)) {
                return Optional.of(wine);
            }
        }
        return Optional.empty();
    }

    static WineSession open(Path workDir) throws IOException, InterruptedException {
        return open(workDir, "skE2E");
    }

    /**
     * Opens a session; first removes, in a session of their own, the services whose names start with
     * {@code leftoverPrefix} that an earlier, interrupted run left in the prefix: Wine's SCM starts automatic ones
     * in every new session (delayed ones two minutes in, holding its start lock while their JVM comes up, so that a
     * test's own start meanwhile fails with 1055, service database locked).
     */
    static WineSession open(Path workDir, String leftoverPrefix) throws IOException, InterruptedException {
        Path prefix = workDir.resolve("wineprefix");
        Files.createDirectories(workDir);
        if (!Files.exists(prefix.resolve("system.reg"))) {
            Result boot = run(prefix, Duration.ofSeconds(120), "-all", "wineboot", "-i");
            run(
                    prefix,
                    Duration.ofSeconds(60),
                    "-all",
                    "wineserver",
                    "-w"); // the registry files are written when the session ends
            if (!Files.exists(prefix.resolve("system.reg"))) {
                throw new IllegalStateException("wineboot -i did not create the prefix " + prefix + ": " + boot.all());
            }
        }
        removeLeftoverServices(prefix, leftoverPrefix);
        run(
                prefix,
                Duration.ofSeconds(60),
                "-all",
                "wineserver",
                "-w"); // let the boot session end: the holder must start the next
        Path sessionErr = workDir.resolve("wine-session.err");
        // the holder owns the session: services.exe inherits its stderr, where the eventlog trace goes
        WineSessionHolder holder = WineSessionHolder.start(
                env -> WineSessionHolder.environment(env, prefix, "-all,+eventlog"),
                workDir.resolve("wine-holder.out"),
                sessionErr);
        return new WineSession(prefix, sessionErr, holder);
    }

    private static void removeLeftoverServices(Path prefix, String namePrefix)
            throws IOException, InterruptedException {
        Path systemReg = prefix.resolve("system.reg");
        String marker = "[System\\\\CurrentControlSet\\\\Services\\\\" + namePrefix;
        List<String> leftovers = new ArrayList<>();
        for (String line : text(systemReg).split("\n")) {
            if (line.startsWith(marker)) {
                String key = line.substring(1, line.indexOf(']')).replace("\\\\", "\\");
                if (key.indexOf('\\', "System\\CurrentControlSet\\Services\\".length()) < 0) {
                    leftovers.add(key); // the service's own key, not a subkey of it
                }
            }
        }
        for (String key : leftovers) {
            Result r = run(prefix, Duration.ofSeconds(60), "-all", "wine", "reg", "delete", "HKLM\\" + key, "/f");
            if (r.exitCode() != 0) {
                throw new IllegalStateException(
                        "could not remove the leftover service key HKLM\\" + key + ": " + r.all());
            }
        }
    }

    Path prefix() {
        return prefix;
    }

    /** {@code C:\} of the prefix. */
    Path driveC() {
        return prefix.resolve("drive_c");
    }

    /** Runs {@code wine <args>} in this session. */
    Result wine(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("wine");
        command.addAll(List.of(args));
        return run(prefix, timeout, "-all", command.toArray(new String[0]));
    }

    /** The Win32 state word of {@code sc query} (e.g. {@code RUNNING}), or empty when the service does not exist. */
    Optional<String> scState(String service) throws IOException, InterruptedException {
        Result r = wine(Duration.ofSeconds(30), "sc", "query", service);
        if (r.exitCode() != 0) {
            return Optional.empty();
        }
        for (String line : r.stdout().replace("\r", "").split("\n")) {
            String t = line.strip();
            if (t.startsWith("STATE")) {
                String[] words = t.split("\\s+");
                return Optional.of(words[words.length - 1]);
            }
        }
        return Optional.empty();
    }

    /** Polls {@code sc query} until the state matches; returns the states seen. */
    List<String> awaitScState(String service, Predicate<Optional<String>> done, Duration timeout) {
        List<String> seen = new ArrayList<>();
        try {
            Poll.until(timeout, "service " + service + " to reach the expected state", () -> {
                Optional<String> state;
                try {
                    state = scState(service);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                String word = state.orElse("(no such service)");
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(word)) {
                    seen.add(word);
                }
                return done.test(state);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; states seen " + seen + "\nsession log:\n" + sessionLog(), e);
        }
        return seen;
    }

    String sessionLog() {
        try {
            return Files.exists(sessionErr) ? text(sessionErr) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        holder.close();
        try {
            // ends this prefix's wineserver and whatever still runs in it (only our session uses the prefix)
            run(prefix, Duration.ofSeconds(30), "-all", "wineserver", "-k");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String text(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8); // lenient: Wine may print other encodings
    }

    private static Result run(Path prefix, Duration timeout, String debug, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        WineSessionHolder.environment(pb.environment(), prefix, debug);
        Path out = Files.createTempFile("wine-out", ".txt");
        Path err = Files.createTempFile("wine-err", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + "\nstdout: "
                        + text(out) + "\nstderr: " + text(err));
            }
            return new Result(p.exitValue(), text(out), text(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
