package dev.servicekit.users;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.servicekit.launcher.Launcher;
import dev.servicekit.testing.BoundedProcess;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code java -jar users-service.jar} started by a Java older than 21, as on a machine whose default java is
 * Debian's 17: the jar's launcher replaces its process with a Java 21+ it finds ({@code execve}), or, with that turned
 * off, runs it as a child and passes signals on; or says in one line what to install.
 */
class Java17LauncherIT {

    static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

    /** The newest Java older than 21 under /usr/lib/jvm, where Debian installs its default java. */
    static Path oldJavaHome;

    @TempDir
    Path dir;

    @BeforeAll
    static void findAJavaOlderThan21() throws IOException {
        Optional<Path> old = olderJavaHomes(Path.of("/usr/lib/jvm")).stream().findFirst();
        Assumptions.assumeTrue(
                old.isPresent(),
                "this test needs a Java older than 21 under /usr/lib/jvm (CI's Debian has"
                        + " openjdk-17 there as its default java); there is none on this machine");
        oldJavaHome = old.get();
    }

    @Test
    void versionStartedByAnOldJavaNamesAJava21FoundInTheUsualPlacesAndExitsZero() throws Exception {
        // No JAVA_HOME and the old java first on PATH: what a shell on such a machine looks like.
        Result result = run(Map.of("PATH", oldJavaHome.resolve("bin") + ":/usr/bin:/bin"), "", "version");

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.stdout)
                .as(result.toString())
                .startsWith("users-service " + implementationVersion() + " (Java ");
        Matcher java = Pattern.compile("\\(Java (\\d+)").matcher(result.stdout);
        assertThat(java.find()).isTrue();
        assertThat(Integer.parseInt(java.group(1)))
                .as("the version names the Java 21+ the service would run on")
                .isGreaterThanOrEqualTo(21);
        assertThat(result.stderr).as(result.toString()).isEmpty();
    }

    /**
     * {@code execve} by the launcher's own library, JNA left unloaded (its native part never unpacked); and with
     * {@code -Dservicekit.exec=jna} through JNA, the way a jar built without gcc does it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"true", "jna"})
    void theServiceStartedByAnOldJavaIsTheJava21JvmItselfWithTheShippedOptionsAndStopsGracefully(String exec)
            throws Exception {
        Path newJavaHome = Path.of(System.getProperty("java.home")).toRealPath();
        Path cache = dir.resolve("cache/servicekit");
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .java(oldJavaHome.resolve("bin/java"))
                .jvmOptions("-D" + Launcher.EXEC_PROPERTY + "=" + exec)
                .environment("JAVA_HOME", newJavaHome.toString())
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .start()) {
            int managementPort =
                    Integer.parseInt(service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START)
                            .group(1));
            ProcessHandle process = ProcessHandle.of(service.pid()).orElseThrow();
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(service.pid()), "exe")))
                    .as("the pid the old java started is the Java 21+ JVM itself (execve), not a launcher")
                    .startsWith(newJavaHome);
            assertThat(process.children()).as("no child process").isEmpty();
            String used = exec.equals("jna") ? "jna-" : "exec-";
            String unused = exec.equals("jna") ? "exec-" : "jna-";
            try (Stream<Path> files = Files.list(cache)) {
                assertThat(files.map(file -> file.getFileName().toString()))
                        .as("the library that did the execve, unpacked into the cache directory, and only that one")
                        .anyMatch(name -> name.startsWith(used))
                        .noneMatch(name -> name.startsWith(unused));
            }
            assertThat(process.info().arguments())
                    .as("the JVM runs with the shipped options and a startup cache in the user's cache directory")
                    .hasValueSatisfying(arguments -> {
                        assertThat(arguments)
                                .contains("-XX:+UseSerialGC", "-Xmx128m", "-Dservicekit.jvm-options=shipped")
                                .contains("dev.servicekit.users.UsersServiceMain");
                        assertThat(arguments)
                                .as("the old java's own option, read from its command line, reaches the new JVM")
                                .contains("-D" + Launcher.EXEC_PROPERTY + "=" + exec);
                        assertThat(arguments)
                                .as("the jar's manifest exports nothing, so no --add-exports")
                                .noneMatch(argument -> argument.startsWith("--add-exports"));
                        StartupCacheExpectations.assertFirstStartOptions(
                                List.of(arguments), dir.resolve("cache/servicekit"));
                    });
            assertThat(TestHttpClient.create("http://127.0.0.1:" + managementPort)
                            .get("/health/ready")
                            .status())
                    .isEqualTo(200);
            assertThat(Files.readString(Path.of("/proc", Long.toString(service.pid()), "status")))
                    .as("the signal mask was emptied before execve")
                    .containsPattern("(?m)^SigBlk:\\s+0+$");

            service.signal("HUP");
            service.awaitOutput(Pattern.compile("Received SIGHUP"), Duration.ofSeconds(20));
            service.signal("TERM");

            assertThat(service.awaitExit(Duration.ofSeconds(60)))
                    .as(service.output())
                    .isZero();
            assertThat(service.stdout()).contains("Received SIGTERM").contains("users-service stopped");
            StartupCacheExpectations.assertFirstStartStderr(service.stderr(), dir.resolve("cache/servicekit"));
            StartupCacheExpectations.assertWrittenAtStop(dir.resolve("cache/servicekit"));
        }
    }

    @Test
    void killMinus9OfThePidAnOldJavaStartedLeavesNoProcessBehind() throws Exception {
        String marker = "-Dtest.run=" + dir.getFileName();
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .java(oldJavaHome.resolve("bin/java"))
                .jvmOptions(marker)
                .environment(
                        "JAVA_HOME", Path.of(System.getProperty("java.home")).toString())
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .start()) {
            service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START);

            service.kill9();

            assertThat(ProcessHandle.allProcesses()
                            .filter(p -> p.info()
                                    .arguments()
                                    .map(a -> List.of(a).contains(marker))
                                    .orElse(false)))
                    .as("processes started with %s", marker)
                    .isEmpty();
        }
    }

    @Test
    void standardStreamsAndExitCodesPassThroughTheOldJava() throws Exception {
        Map<String, String> path = Map.of("PATH", oldJavaHome.resolve("bin") + ":/usr/bin:/bin");

        Result token = run(path, "", "token", "issue", "--subject", "me", "--scope", "users:read");
        assertThat(token.exitCode).as(token.toString()).isZero();
        assertThat(token.stdout.trim()).as(token.toString()).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");

        Result withPassword = run(path, "secret\n", "install", "--dry-run", "--account", "svc", "--password-stdin");
        assertThat(withPassword.exitCode).as(withPassword.toString()).isZero();
        assertThat(withPassword.stdout).as(withPassword.toString()).contains("-Dservicekit.jvm-options=shipped");

        Result noPassword = run(path, "", "install", "--dry-run", "--account", "svc", "--password-stdin");
        assertThat(noPassword.exitCode).as(noPassword.toString()).isEqualTo(2);
        assertThat(noPassword.stderr).as(noPassword.toString()).contains("standard input had no password line");

        Result badConfig = run(path, "", "config", "validate", "--set", "http.port=not-a-port");
        assertThat(badConfig.exitCode).as(badConfig.toString()).isEqualTo(78);
        assertThat(badConfig.stderr).as(badConfig.toString()).contains("http.port");
    }

    @Test
    void aMistypedVerbLeavesNoArchiveAndAnApplicationsVerbGetsOneAtItsSecondUseTheToolkitsAtTheFirst()
            throws Exception {
        Map<String, String> path = Map.of("PATH", oldJavaHome.resolve("bin") + ":/usr/bin:/bin");
        Path cache = dir.resolve("cache/servicekit");

        Result typo = run(path, "", "stauts");
        assertThat(typo.exitCode).as(typo.toString()).isEqualTo(2);
        assertThat(typo.stderr).as(typo.toString()).contains("stauts");
        assertThat(cacheFiles(cache, "stauts-"))
                .as("a mistyped verb is noted, and its JVM spent nothing writing an archive at exit")
                .singleElement(STRING)
                .endsWith(".seen");

        Result first = run(path, "", "token", "issue", "--subject", "me", "--scope", "users:read");
        assertThat(first.exitCode).as(first.toString()).isZero();
        assertThat(cacheFiles(cache, "token-"))
                .as("the application's verb, once")
                .noneMatch(n -> n.endsWith(".jsa"));
        Result second = run(path, "", "token", "issue", "--subject", "me", "--scope", "users:read");
        assertThat(second.exitCode).as(second.toString()).isZero();
        assertThat(cacheFiles(cache, "token-")).as("twice").anyMatch(n -> n.endsWith(".jsa"));

        Result config = run(path, "", "config", "validate");
        assertThat(config.exitCode).as(config.toString()).isZero();
        assertThat(cacheFiles(cache, "config-"))
                .as("a verb of the toolkit's, at its first use")
                .singleElement(STRING)
                .endsWith(".jsa");
    }

    private static List<String> cacheFiles(Path cache, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith(prefix))
                    .toList();
        }
    }

    @Test
    void withExecTurnedOffTheLauncherRunsTheServiceAsAChildPassesSignalsOnAndLeavesNoChildBehind() throws Exception {
        Path childJavaHome = Path.of(System.getProperty("java.home")).toRealPath();
        long childPid = -1;
        // Through env --default-signal=INT (coreutils 8.31+): a build started from a shell's background job hands
        // SIGINT down ignored, and an ignored SIGINT would make the check below pass whatever the launcher does.
        try (ServiceProcess launcher = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .java(Path.of("/usr/bin/env"))
                .jvmOptions(
                        "--default-signal=INT",
                        oldJavaHome.resolve("bin/java").toString(),
                        "-D" + Launcher.EXEC_PROPERTY + "=false")
                .environment("JAVA_HOME", childJavaHome.toString())
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .start()) {
            try {
                int managementPort = Integer.parseInt(
                        launcher.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START)
                                .group(1));
                ProcessHandle child = onlyChild(launcher.pid());
                childPid = child.pid();
                assertThat(child.info().command())
                        .as("the child runs on the JAVA_HOME's java")
                        .hasValueSatisfying(
                                command -> assertThat(Path.of(command)).startsWith(childJavaHome));
                assertThat(child.info().arguments())
                        .as("the child runs with the shipped options and a startup cache in the user's cache directory")
                        .hasValueSatisfying(arguments -> {
                            assertThat(arguments).contains("-XX:+UseSerialGC", "-Xmx128m");
                            StartupCacheExpectations.assertFirstStartOptions(
                                    List.of(arguments), dir.resolve("cache/servicekit"));
                        });
                assertThat(TestHttpClient.create("http://127.0.0.1:" + managementPort)
                                .get("/health/ready")
                                .status())
                        .isEqualTo(200);

                // Ctrl+C reaches the child from the terminal by itself; the launcher must neither pass SIGINT on nor
                // die of it.
                launcher.signal("INT");
                launcher.signal("HUP");
                launcher.awaitOutput(Pattern.compile("Received SIGHUP"), Duration.ofSeconds(20));
                assertThat(launcher.isAlive())
                        .as("the launcher outlived SIGINT")
                        .isTrue();
                assertThat(launcher.output()).doesNotContain("Received SIGINT").doesNotContain("Received SIGTERM");

                launcher.signal("TERM");
                assertThat(launcher.awaitExit(Duration.ofSeconds(60)))
                        .as(launcher.output())
                        .isZero();
                assertThat(launcher.stdout()).contains("Received SIGTERM").contains("users-service stopped");
                assertThat(ProcessHandle.of(childPid).filter(ProcessHandle::isAlive))
                        .as("child JVM %d is gone", childPid)
                        .isEmpty();
                StartupCacheExpectations.assertWrittenAtStop(dir.resolve("cache/servicekit"));
            } finally {
                if (childPid > 0) {
                    ProcessHandle.of(childPid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    @Test
    void theManifestCarriesTheShippedJvmOptionsLessTheArchive() throws IOException {
        List<String> shipped =
                dev.servicekit.http.HttpServiceHost.application(new UsersServiceApplication())
                        .defaultJvmOptions()
                        .stream()
                        .filter(o -> !o.startsWith("-XX:SharedArchiveFile=")
                                && !o.equals("-XX:+AutoCreateSharedArchive")
                                && !o.startsWith("-Xlog:cds"))
                        .toList();
        try (JarFile jar = new JarFile(UsersServiceProcessIT.JAR.toFile())) {
            String attribute = jar.getManifest().getMainAttributes().getValue(Launcher.JVM_OPTIONS_ATTRIBUTE);
            assertThat(attribute)
                    .as("users-service/pom.xml's %s", Launcher.JVM_OPTIONS_ATTRIBUTE)
                    .isNotNull();
            assertThat(List.of(attribute.trim().split("\\s+"))).isEqualTo(shipped);
        }
    }

    @Test
    void theToolkitGuideSendsToServicekitBomForTheOptionsInsteadOfCopyingThem() throws IOException {
        String attribute;
        try (JarFile jar = new JarFile(UsersServiceProcessIT.JAR.toFile())) {
            attribute = jar.getManifest().getMainAttributes().getValue(Launcher.JVM_OPTIONS_ATTRIBUTE);
        }
        String guide = Files.readString(Path.of("..", "docs", "toolkit.md"));
        assertThat(guide)
                .as("docs/toolkit.md names the property and the pom that hold the shipped options")
                .contains("`servicekit.jvm-options`", "`servicekit-bom`'s pom");
        assertThat(guide)
                .as("docs/toolkit.md copies the shipped options, which servicekit-bom's pom.xml alone holds")
                .doesNotContain(attribute.trim());
    }

    @Test
    void withNoJava21AnywhereTheJarFailsAtOnceWithOneLineSayingWhatToInstall() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-jdks"));

        Result result = run(
                Map.of("PATH", oldJavaHome.resolve("bin").toString(), "SERVICEKIT_JDK_DIRS", empty.toString()),
                "",
                "version");

        assertThat(result.exitCode).as(result.toString()).isEqualTo(1);
        assertThat(result.stdout).as(result.toString()).isEmpty();
        assertThat(result.stderr.lines())
                .as(result.toString())
                .singleElement(as(STRING))
                .startsWith("users-service: running needs Java 21 or newer; this is Java ")
                .contains("(" + oldJavaHome)
                .contains("apt-get install openjdk-21-jre-headless")
                .endsWith("or set JAVA_HOME to it.");
    }

    /** Java homes (release file and bin/java) older than 21 under {@code parent}, newest first, links resolved. */
    static List<Path> olderJavaHomes(Path parent) throws IOException {
        List<Path> homes = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return homes;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
            for (Path child : children) {
                Path home = child.toRealPath(); // java-1.17.0-openjdk-amd64 -> java-17-openjdk-amd64, as java.home says
                if (!homes.contains(home)
                        && feature(home)
                                .filter(f -> f < 21 && Files.isExecutable(home.resolve("bin/java")))
                                .isPresent()) {
                    homes.add(home);
                }
            }
        }
        homes.sort(Comparator.comparing((Path home) -> feature(home).orElse(0))
                .reversed()
                .thenComparing(Comparator.naturalOrder()));
        return homes;
    }

    private static Optional<Integer> feature(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try {
            return Files.readAllLines(release, StandardCharsets.ISO_8859_1).stream()
                    .map(JAVA_VERSION::matcher)
                    .filter(Matcher::find)
                    .map(m -> Integer.parseInt(m.group(1)))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String implementationVersion() throws IOException {
        try (JarFile jar = new JarFile(UsersServiceProcessIT.JAR.toFile())) {
            return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
    }

    /** The launcher's one child process: by the time the service has logged, the child JVM exists. */
    private static ProcessHandle onlyChild(long launcherPid) {
        List<ProcessHandle> children =
                ProcessHandle.of(launcherPid).orElseThrow().children().toList();
        assertThat(children).as("children of launcher %d", launcherPid).hasSize(1);
        return children.get(0);
    }

    /** {@code <old java> -jar users-service.jar <args>} without JAVA_HOME, in {@link #dir}, {@code stdin} as input. */
    private Result run(Map<String, String> environment, String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                oldJavaHome.resolve("bin/java").toString(),
                "-jar",
                UsersServiceProcessIT.JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("SERVICEKIT_JDK_DIRS");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        builder.environment().putAll(environment);
        Path in = Files.writeString(dir.resolve("stdin.txt"), stdin, StandardCharsets.UTF_8);
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = builder.redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        // The launcher's child, should there be one left after a failed wait, is killed with the launcher.
        int exitCode = BoundedProcess.awaitExit(process, Duration.ofSeconds(60), String.join(" ", command), out, err);
        return new Result(
                exitCode, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String stdout, String stderr) {}
}
