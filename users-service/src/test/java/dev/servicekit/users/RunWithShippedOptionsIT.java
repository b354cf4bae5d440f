package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.launcher.Launcher;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar users-service.jar run} on a Java 21+ (the JVM running the tests): the launcher replaces its JVM
 * with the same {@code java} given the shipped options and a class-data archive, in the same process, unless the JVM
 * has them already (an installed service) or the user said no.
 */
class RunWithShippedOptionsIT {

    @TempDir
    Path dir;

    @BeforeAll
    static void onLinux() {
        Assumptions.assumeTrue(
                System.getProperty("os.name").startsWith("Linux"),
                "the launcher restarts run with execve on Linux only; this is " + System.getProperty("os.name"));
    }

    @Test
    void runIsRestartedInPlaceWithTheShippedOptionsAndTheArchiveAndStopsGracefully() throws Exception {
        try (ServiceProcess service = start("-Dtest.own=1")) {
            List<String> arguments = arguments(service);
            String cacheOption = StartupCacheExpectations.AOT
                    ? arguments.stream()
                            .filter(a -> a.startsWith("-Dservicekit.aot.ran-marker="))
                            .findFirst()
                            .orElse("-Dservicekit.aot.ran-marker=(missing)")
                    : "-XX:+AutoCreateSharedArchive";
            assertThat(arguments)
                    .as("the shipped options, then the user's own, then the real main class")
                    .containsSubsequence(
                            "-XX:+UseSerialGC",
                            "-Dservicekit.jvm-options=shipped",
                            cacheOption,
                            "-Dtest.own=1",
                            "dev.servicekit.users.UsersServiceMain",
                            "run");
            StartupCacheExpectations.assertFirstStartOptions(arguments, dir.resolve("cache/servicekit"));
            assertThat(ProcessHandle.of(service.pid()).orElseThrow().children())
                    .as("no child process")
                    .isEmpty();

            service.signal("TERM");

            assertThat(service.awaitExit(Duration.ofSeconds(60)))
                    .as(service.output())
                    .isZero();
            assertThat(service.stdout()).contains("users-service stopped");
            StartupCacheExpectations.assertFirstStartStderr(service.stderr(), dir.resolve("cache/servicekit"));
        }
        StartupCacheExpectations.assertWrittenAtStop(dir.resolve("cache/servicekit"));
    }

    @Test
    void withTheAotCacheTurnedOffRunGetsTheClassDataArchiveTheOtherVerbsGet() throws Exception {
        try (ServiceProcess service = start("-D" + Launcher.AOT_CACHE_PROPERTY + "=false")) {
            assertThat(arguments(service))
                    .contains("-XX:+AutoCreateSharedArchive")
                    .noneMatch(a -> a.startsWith("-XX:AOT"))
                    .anySatisfy(a ->
                            assertThat(a).startsWith("-XX:SharedArchiveFile=" + dir.resolve("cache/servicekit/run-")));
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(60)))
                    .as(service.output())
                    .isZero();
        }
    }

    @Test
    void aJvmWithOptionsChosenOnPurposeOrToldNotToIsNotRestarted() throws Exception {
        for (String option : List.of(
                "-D" + Launcher.JVM_OPTIONS_PROPERTY + "=given",
                "-XX:SharedArchiveFile=" + dir.resolve("own.jsa"),
                "-D" + Launcher.STARTUP_CACHE_PROPERTY + "=false",
                "-D" + Launcher.EXEC_PROPERTY + "=false")) {
            try (ServiceProcess service = start(option)) {
                assertThat(arguments(service))
                        .as("started with %s", option)
                        .doesNotContain("-XX:+UseSerialGC", "dev.servicekit.users.UsersServiceMain")
                        .contains(option, "-jar");
                service.signal("TERM");
                assertThat(service.awaitExit(Duration.ofSeconds(60)))
                        .as(service.output())
                        .isZero();
            }
        }
    }

    /** {@code java <option> -jar users-service.jar run} on ephemeral ports, once it answers its readiness check. */
    private ServiceProcess start(String option) {
        ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .jvmOptions(option)
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .start();
        try {
            int port =
                    Integer.parseInt(service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START)
                            .group(1));
            assertThat(TestHttpClient.create("http://127.0.0.1:" + port)
                            .get("/health/ready")
                            .status())
                    .isEqualTo(200);
            return service;
        } catch (RuntimeException | Error e) {
            service.close();
            throw e;
        }
    }

    private static List<String> arguments(ServiceProcess service) {
        return ProcessHandle.of(service.pid())
                .flatMap(p -> p.info().arguments())
                .map(List::of)
                .orElseThrow();
    }
}
