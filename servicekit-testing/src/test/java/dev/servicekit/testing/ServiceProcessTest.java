package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessTest {

    private static final Pattern READY = Pattern.compile("ready on (\\d+)");

    @TempDir
    Path dir;

    /** A child that prints {@code args[0]} (if any) and exits with status 3 at once. */
    public static final class PrintsAndExits {
        public static void main(String[] args) {
            if (args.length > 0) {
                System.out.println(args[0]);
            }
            System.exit(3);
        }
    }

    private ServiceProcess.Builder child(String... args) {
        return ServiceProcess.builder(PrintsAndExits.class.getName(), System.getProperty("java.class.path"), dir)
                .args(args);
    }

    @Test
    void aLinePrintedByAChildThatExitsAtOnceIsFound() {
        try (ServiceProcess service = child("ready on 8080").start()) {
            assertThat(service.awaitOutput(READY, Duration.ofSeconds(30)).group(1))
                    .isEqualTo("8080");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isEqualTo(3);
        }
    }

    @Test
    void aChildThatExitsWithoutTheLineFailsWithItsExitStatus() {
        try (ServiceProcess service = child("something else").start()) {
            assertThatThrownBy(() -> service.awaitOutput(READY, Duration.ofSeconds(30)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("process exited with 3 before printing /" + READY + "/")
                    .hasMessageContaining("something else");
        }
    }

    /**
     * The race, made certain: the child prints its line and exits after the output was read but before the liveness
     * check. The line is found instead of "exited before printing".
     */
    @Test
    void aLinePrintedJustBeforeExitingBetweenTheReadAndTheLivenessCheckIsFound() throws IOException {
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        Files.writeString(stdout, "starting\n");
        Files.writeString(stderr, "");
        try (ServiceProcess service = new ServiceProcess(new PrintsWhenAskedIfAlive(stdout), stdout, stderr)) {
            assertThat(service.awaitOutput(READY, Duration.ofSeconds(10)).group(1))
                    .isEqualTo("8080");
        }
    }

    /**
     * A process that was running until asked whether it is: at that moment it prints {@code ready on 8080} to its
     * stdout file and is gone, exit status 0.
     */
    private static final class PrintsWhenAskedIfAlive extends Process {
        private final Path stdout;
        private boolean exited;

        PrintsWhenAskedIfAlive(Path stdout) {
            this.stdout = stdout;
        }

        @Override
        public synchronized boolean isAlive() {
            if (!exited) {
                try {
                    Files.writeString(stdout, "ready on 8080\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                exited = true;
            }
            return false;
        }

        @Override
        public int exitValue() {
            return 0;
        }

        @Override
        public int waitFor() {
            return 0;
        }

        @Override
        public void destroy() {}

        @Override
        public OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream getInputStream() {
            return InputStream.nullInputStream();
        }

        @Override
        public InputStream getErrorStream() {
            return InputStream.nullInputStream();
        }
    }
}
