package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options {@code install} writes and the launcher applies ({@link ServiceApplication#defaultJvmOptions()}) start
 * a real JVM, the build's, and take effect there; an option a JVM does not know (as JDK 21.0.0 does not know
 * {@code -XX:TrimNativeHeapInterval}) does not stop it from starting.
 */
class ShippedJvmOptionsTest {

    @TempDir
    Path dir;

    final ServiceApplication app = new ServiceApplication() {
        @Override
        public String name() {
            return "demo-service";
        }

        @Override
        public String version() {
            return "1.2.3";
        }

        @Override
        public ConfigSchema configSchema() {
            return ConfigSchema.builder().add(CoreConfigKeys.all()).build();
        }

        @Override
        public Service createService(Config config) {
            return ctx -> {};
        }
    };

    @Test
    void theBuildJdkStartsWithTheShippedOptionsAndAppliesThem() throws Exception {
        Ran ran = java(app.defaultJvmOptions(), "-XX:+PrintFlagsFinal", "-version");

        assertThat(ran.exitCode).as(ran.toString()).isZero();
        assertThat(ran.stderr.lines())
                .as("the JVM warned about none of the shipped options")
                .noneMatch(line -> line.toLowerCase(java.util.Locale.ROOT).contains("warning")
                        || line.contains("Unrecognized")
                        || line.contains("Ignoring"));
        assertThat(ran.stdout.lines().map(line -> line.trim().replaceAll("\\s+", " ")))
                .as(ran.toString())
                .anySatisfy(line -> assertThat(line).startsWith("bool UseSerialGC = true"))
                .anySatisfy(line -> assertThat(line).startsWith("size_t MaxHeapSize = 134217728"))
                .anySatisfy(line -> assertThat(line).startsWith("bool ExitOnOutOfMemoryError = true"))
                .anySatisfy(line -> assertThat(line).startsWith("intx Tier4InvocationThreshold = 25000"))
                .anySatisfy(line -> assertThat(line).startsWith("intx Tier4BackEdgeThreshold = 200000"))
                .anySatisfy(line -> assertThat(line).startsWith("uint TrimNativeHeapInterval = 1000"));
    }

    @Test
    void anOptionTheJvmDoesNotKnowDoesNotStopItFromStarting() throws Exception {
        List<String> options = new ArrayList<>(app.defaultJvmOptions());
        options.add("-XX:+ServicekitOptionNoJvmKnows");

        Ran ran = java(options, "-version");

        assertThat(ran.exitCode)
                .as("an older JDK 21 given an option only newer JVMs know: %s", ran)
                .isZero();
    }

    private Ran java(List<String> options, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(List.of(args));
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        // In the temporary directory: the shipped class-data archive is a path relative to the working directory.
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("'" + String.join(" ", command) + "' did not exit within 60 s");
        }
        return new Ran(
                command,
                process.exitValue(),
                Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    private record Ran(List<String> command, int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return String.join(" ", command) + " exited " + exitCode + "\nstderr:\n" + stderr;
        }
    }
}
