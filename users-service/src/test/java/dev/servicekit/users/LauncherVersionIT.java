package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.BoundedProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar users-service.jar version} (and {@code --version}, {@code -V}) answered by the jar's launcher
 * itself, without starting the application or another JVM: byte for byte what the application prints, on Java 21+
 * and from an older Java, which names the Java 21+ the service would run on.
 */
class LauncherVersionIT {

    static final String MAIN = "dev.servicekit.users.UsersServiceMain";
    static final List<String> VERSION_ARGUMENTS = List.of("version", "--version", "-V");

    @TempDir
    Path dir;

    private final Path newJavaHome = Path.of(System.getProperty("java.home"));

    @Test
    void onJava21TheLauncherPrintsWhatTheApplicationPrintsWithoutLoadingIt() throws Exception {
        for (String argument : VERSION_ARGUMENTS) {
            Path classLog = dir.resolve("classes-" + argument + ".log");
            Result launcher = run(
                    Map.of(),
                    newJavaHome.resolve("bin/java").toString(),
                    "-Xlog:class+load:file=" + classLog,
                    "-jar",
                    UsersServiceProcessIT.JAR.toString(),
                    argument);

            assertThat(launcher.exitCode).as(launcher.toString()).isZero();
            assertThat(launcher.stdout).as(argument).isEqualTo(application(argument));
            assertThat(launcher.stderr).as(launcher.toString()).isEmpty();
            assertThat(Files.readString(classLog))
                    .as("the launcher answered %s; the application's classes were never loaded", argument)
                    .contains("dev.servicekit.launcher.Launcher ")
                    .doesNotContain("dev.servicekit.core.")
                    .doesNotContain(MAIN);
        }
    }

    @Test
    void fromAnOldJavaTheLauncherNamesTheJava21ItWouldRunWithoutStartingIt() throws Exception {
        Optional<Path> oldJavaHome = Java17LauncherIT.olderJavaHomes(Path.of("/usr/lib/jvm")).stream()
                .findFirst();
        Assumptions.assumeTrue(
                oldJavaHome.isPresent(),
                "this test needs a Java older than 21 under /usr/lib/jvm (CI's Debian has"
                        + " openjdk-17 there as its default java); there is none on this machine");
        // A Java 21+ home whose bin/java notes every start, then runs the real one: the release file is the real
        // one's, so that the launcher, reading it, must print exactly what the real JVM prints.
        Path started = dir.resolve("started.txt");
        Path fakeHome = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Files.copy(newJavaHome.resolve("release"), fakeHome.resolve("release"));
        Path java = fakeHome.resolve("bin/java");
        Files.writeString(
                java,
                "#!/bin/sh\necho \"$@\" >> '" + started + "'\nexec '" + newJavaHome.resolve("bin/java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> environment = Map.of(
                "JAVA_HOME", fakeHome.toString(), "PATH", oldJavaHome.get().resolve("bin") + ":/usr/bin:/bin");

        for (String argument : VERSION_ARGUMENTS) {
            Result launcher = run(
                    environment,
                    oldJavaHome.get().resolve("bin/java").toString(),
                    "-jar",
                    UsersServiceProcessIT.JAR.toString(),
                    argument);

            assertThat(launcher.exitCode).as(launcher.toString()).isZero();
            assertThat(launcher.stdout).as(argument).isEqualTo(application(argument));
            assertThat(launcher.stderr).as(launcher.toString()).isEmpty();
        }
        assertThat(started).as("no Java 21+ was started for a plain version").doesNotExist();

        Result json = run(
                environment,
                oldJavaHome.get().resolve("bin/java").toString(),
                "-jar",
                UsersServiceProcessIT.JAR.toString(),
                "version",
                "--json");
        assertThat(json.exitCode).as(json.toString()).isZero();
        assertThat(json.stdout).as(json.toString()).contains("\"java\":\"" + Runtime.version() + "\"");
        assertThat(started)
                .as("anything but a plain version is the application's, on the Java 21+ (this home's java)")
                .exists();
    }

    /** What the application itself prints, run on this Java 21+ without the launcher. */
    private String application(String argument) throws Exception {
        Result result = run(
                Map.of(),
                newJavaHome.resolve("bin/java").toString(),
                "-cp",
                UsersServiceProcessIT.JAR.toString(),
                MAIN,
                argument);
        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.stdout).startsWith("users-service ");
        return result.stdout;
    }

    private Result run(Map<String, String> environment, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile());
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("SERVICEKIT_JDK_DIRS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        builder.environment().putAll(environment);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process process = builder.redirectInput(
                        ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        int exitCode = BoundedProcess.awaitExit(process, Duration.ofSeconds(60), String.join(" ", command), out, err);
        return new Result(
                exitCode, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String stdout, String stderr) {}
}
