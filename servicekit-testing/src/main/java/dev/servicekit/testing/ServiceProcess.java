package dev.servicekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service running in a child JVM ({@code java -jar app.jar run ...}, or a main class) that a test can send real
 * signals to. Output goes to {@code stdout.log} and {@code stderr.log} in the working directory, so it
 * survives the process and can be searched while it runs. {@link #close()} kills the process if it is
 * still alive, so a failing test never leaves one behind.
 *
 * {@snippet :
 * try (ServiceProcess service = ServiceProcess.builder(jar, dir).args("run", "--set", "http.port=0").start()) {
 *     Matcher m = service.awaitOutput(Pattern.compile("API listening on (\\S+)"), Duration.ofSeconds(20));
 *     service.signal("TERM");
 *     assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
 * }
 * }
 */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    /** Package-private for ServiceProcessTest, which hands in a process that exits at a chosen moment. */
    ServiceProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts describing a child JVM running {@code jar} ({@code java -jar}) in {@code workingDir}. */
    public static Builder builder(Path jar, Path workingDir) {
        return new Builder(
                List.of(
                        "-jar",
                        Objects.requireNonNull(jar, "jar").toAbsolutePath().toString()),
                workingDir);
    }

    /**
     * Starts describing a child JVM running {@code mainClass} from {@code classPath} ({@code java -cp}) in
     * {@code workingDir}; e.g. the test's own class path, {@code System.getProperty("java.class.path")}.
     */
    public static Builder builder(String mainClass, String classPath, Path workingDir) {
        return new Builder(
                List.of(
                        "-cp",
                        Objects.requireNonNull(classPath, "classPath"),
                        Objects.requireNonNull(mainClass, "mainClass")),
                workingDir);
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the child is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a real signal ({@code TERM}, {@code INT}, {@code HUP}, {@code KILL}) with {@code kill(1)}. */
    public void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid()))
                    .inheritIO()
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code kill -9}: the process gets no chance to clean up. Waits until it is gone. */
    public void kill9() {
        signal("KILL");
        awaitExit(Duration.ofSeconds(30));
    }

    /**
     * Waits until the process exits and returns its exit code.
     *
     * @throws AssertionError if it is still running after {@code timeout}
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "process " + pid() + " still running after " + timeout + "; output:\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until a line of stdout or stderr matches {@code pattern} and returns the match.
     *
     * @throws AssertionError if no line matched within {@code timeout} or the process exited first
     */
    public Matcher awaitOutput(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // Whether it exited, then what it printed: a process that prints the line and exits between the two
            // reads is then found by this round's read, never reported as exiting first. (A dead process's output
            // is all in the files: the child wrote them itself.)
            boolean exited = !process.isAlive();
            String output = output();
            for (String line : output.split("\n")) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (exited) {
                throw new AssertionError("process exited with " + process.exitValue() + " before printing /" + pattern
                        + "/; output:\n" + output);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no output matched /" + pattern + "/ within " + timeout + "; output:\n" + output());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Everything the process printed so far: stdout, then stderr. */
    public String output() {
        return read(stdout) + read(stderr);
    }

    /** What the process printed on stdout so far. */
    public String stdout() {
        return read(stdout);
    }

    /** What the process printed on stderr so far. */
    public String stderr() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process if it is still running. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Describes a child JVM. */
    public static final class Builder {
        private final List<String> launch;
        private final Path workingDir;
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> environment = new HashMap<>();
        private String outputName = "";
        private Path java;

        private Builder(List<String> launch, Path workingDir) {
            this.launch = launch;
            this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
        }

        /** JVM options such as {@code -Xmx128m}. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /** Program arguments, e.g. {@code run --set http.port=0}. */
        public Builder args(String... values) {
            args.addAll(List.of(values));
            return this;
        }

        /** An environment variable for the child. */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** The {@code java} to start the child with; by default the one that runs the test. */
        public Builder java(Path executable) {
            this.java = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /** A suffix for the output file names, so several runs in one directory keep their own logs. */
        public Builder outputName(String suffix) {
            this.outputName = "-" + suffix;
            return this;
        }

        /** Starts the child, with the same {@code java} that runs the test unless {@link #java(Path)} says otherwise. */
        public ServiceProcess start() {
            String java = this.java != null
                    ? this.java.toString()
                    : ProcessHandle.current()
                            .info()
                            .command()
                            .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString());
            List<String> command = new ArrayList<>();
            command.add(java);
            command.addAll(jvmOptions);
            command.addAll(launch);
            command.addAll(args);
            Path out = workingDir.resolve("stdout" + outputName + ".log");
            Path err = workingDir.resolve("stderr" + outputName + ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workingDir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(environment);
            try {
                Files.createDirectories(workingDir);
                Process process = builder.start();
                process.getOutputStream().close(); // the service reads no input
                return new ServiceProcess(process, out, err);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
        }
    }
}
