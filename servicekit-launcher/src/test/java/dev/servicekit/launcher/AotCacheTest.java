package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each start does towards the JDK's AOT cache, decided from the files in the cache directory. */
class AotCacheTest {

    /** A key as {@link AotCache#key} makes it: jar and JDK part, then options part. */
    private static final String KEY = "run-abc-0123456789abcdef" + "0000aaaa";
    /** The same jar and JDK under other JVM options. */
    private static final String OTHER_OPTIONS = "run-abc-0123456789abcdef" + "0000bbbb";
    /** Another build of the jar (or JDK) at the same paths. */
    private static final String OTHER_BUILD = "run-abc-fedcba9876543210" + "0000aaaa";

    private static final long PID = 4242;
    private static final long NOW = 1_800_000_000_000L;
    private static final AotCache.Processes NONE_ALIVE = pid -> false;

    @TempDir
    Path dir;

    private AotCache.Plan plan(AotCache.Processes processes) {
        return AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, processes, 25);
    }

    private Set<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private Path touch(String name) throws IOException {
        return Files.write(dir.resolve(name), new byte[] {1});
    }

    /** A running marker as servicekit-core writes it after an ordinary start: an empty file. */
    private Path marker(String name) throws IOException {
        return Files.write(dir.resolve(name), new byte[0]);
    }

    /** What servicekit-core leaves once a start of {@code key} that recorded nothing has run the service. */
    private Path ran(String key) throws IOException {
        return marker(AotCache.jarPart(key) + ".ran");
    }

    @Test
    void aFirstStartRecordsNothingAndAsksToBeToldWhenItRunsOnlyTheStartAfterOneThatRanRecords() throws IOException {
        AotCache.Plan first = plan(NONE_ALIVE);

        assertThat(first.builds()).isFalse();
        assertThat(first.options)
                .as("no recording before a start of this key has run the service: a first start often fails or"
                        + " migrates, and its recording would cost seconds at exit and a line on stderr for nothing")
                .containsExactly("-D" + AotCache.RAN_PROPERTY + "=" + dir.resolve(AotCache.jarPart(KEY) + ".ran"));
        assertThat(files()).isEmpty();
        assertThat(plan(NONE_ALIVE).options)
                .as("a first start that failed left no file: the next one records nothing either")
                .containsExactly("-D" + AotCache.RAN_PROPERTY + "=" + dir.resolve(AotCache.jarPart(KEY) + ".ran"));

        ran(KEY);
        assertThat(AotCache.plan(dir.toFile(), OTHER_OPTIONS, "run-abc-", PID, NOW, NONE_ALIVE, 25).options)
                .as("the note is the jar's and JDK's: under other JVM options it records at once")
                .contains("-XX:AOTMode=record");
        assertThat(AotCache.plan(dir.toFile(), OTHER_BUILD, "run-abc-", PID, NOW, NONE_ALIVE, 25).options)
                .as("another build of the jar at the same path has not run")
                .noneMatch(o -> o.startsWith("-XX:AOTMode"));
        assertThat(files())
                .as("and the note of the build it replaced is deleted")
                .isEmpty();
        ran(KEY);
        AotCache.Plan plan = plan(NONE_ALIVE);

        assertThat(plan.builds()).isFalse();
        assertThat(plan.options)
                .contains(
                        "-XX:AOTMode=record",
                        "-XX:AOTConfiguration=" + dir.resolve(KEY + ".4242.aotconf"),
                        "-D" + AotCache.MARKER_PROPERTY + "=" + dir.resolve(KEY + ".4242.aotconf.running"))
                .as("no method profiles recorded: the JIT would replay the start's at the next start")
                .containsSubsequence("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining")
                .contains("-Xlog:aot*=error")
                .as("the JVM's 'AOTConfiguration recorded' line at stop goes to stderr, out of the log on stdout")
                .contains("-XX:+DisplayVMOutputToStderr");
    }

    @Test
    void aFinishedTrainingRunThatReachedRunningIsClaimedForABuildAndThisStartRunsWithoutACache() throws IOException {
        touch(KEY + ".77.aotconf");
        marker(KEY + ".77.aotconf.running");

        AotCache.Plan plan = plan(NONE_ALIVE);

        assertThat(plan.builds()).isTrue();
        assertThat(plan.options).isEmpty();
        assertThat(plan.configuration)
                .isEqualTo(dir.resolve(KEY + ".4242.aotconf.build").toFile());
        assertThat(plan.partial).isEqualTo(dir.resolve(KEY + ".4242.aot.part").toFile());
        assertThat(plan.cache).isEqualTo(dir.resolve(KEY + ".aot").toFile());
        assertThat(files()).containsExactly(KEY + ".4242.aotconf.build");
    }

    @Test
    void inADirectoryThisUserCannotWriteACacheThereIsMappedButNothingIsRecordedOrBuilt() throws IOException {
        AotCache.Plan first = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 25, false);
        assertThat(first.options)
                .as("no recording: the JVM would print errors at the start and the exit")
                .isEmpty();
        assertThat(first.builds()).isFalse();

        touch(KEY + ".77.aotconf");
        marker(KEY + ".77.aotconf.running");
        AotCache.Plan second = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 25, false);
        assertThat(second.builds())
                .as("a finished recording is not claimed for a build")
                .isFalse();
        assertThat(second.options).isEmpty();
        assertThat(files()).containsExactlyInAnyOrder(KEY + ".77.aotconf", KEY + ".77.aotconf.running");

        touch(KEY + ".aot");
        AotCache.Plan third = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 25, false);
        assertThat(third.options).as("a cache already there").contains("-XX:AOTCache=" + dir.resolve(KEY + ".aot"));
    }

    @Test
    void withoutRoomToWriteACacheIsMappedAndTheRecordingsNoStartWillBuildAreStillDeletedToFreeSpace()
            throws IOException {
        touch(KEY + ".aot");
        touch(KEY + ".77.aotconf"); // a concurrent first start's recording; its JVM has exited
        marker(KEY + ".77.aotconf.running");

        // writable=false as CacheFiles.roomToWrite answers on a file system with too little free space
        AotCache.Plan plan = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 25, false);

        assertThat(plan.options).contains("-XX:AOTCache=" + dir.resolve(KEY + ".aot"));
        assertThat(files()).as("deleting needs no room, and frees some").containsExactly(KEY + ".aot");
    }

    @Test
    void aTrainingRunThatNeverReachedRunningIsDeletedAndTrainingStartsAgain() throws IOException {
        ran(KEY);
        touch(KEY + ".77.aotconf");

        AotCache.Plan plan = plan(NONE_ALIVE);

        assertThat(plan.builds()).isFalse();
        assertThat(plan.options).contains("-XX:AOTMode=record");
        assertThat(files()).containsExactly(AotCache.jarPart(KEY) + ".ran");
    }

    @Test
    void aTrainingRunThatDidOneTimeWorkIsDeletedOnceAndTrainingStartsAgainTheNextOneIsBuilt() throws IOException {
        ran(KEY);
        touch(KEY + ".77.aotconf");
        Files.writeString(dir.resolve(KEY + ".77.aotconf.running"), "one-time work: 2 schema migration(s) applied\n");

        AotCache.Plan again = plan(NONE_ALIVE);

        assertThat(again.builds()).isFalse();
        assertThat(again.options)
                .as("this start records again")
                .contains("-XX:AOTMode=record", "-XX:AOTConfiguration=" + dir.resolve(KEY + ".4242.aotconf"));
        assertThat(files())
                .as("the recording is gone, and the skip noted")
                .containsExactlyInAnyOrder(AotCache.jarPart(KEY) + ".ran", KEY + ".aotconf.skipped");

        touch(KEY + ".4242.aotconf");
        Files.writeString(dir.resolve(KEY + ".4242.aotconf.running"), "one-time work: the same again\n");
        AotCache.Plan build = AotCache.plan(dir.toFile(), KEY, "run-abc-", 5151, NOW, NONE_ALIVE, 25);

        assertThat(build.builds())
                .as("one skip per key: a service whose every start does one-time work still gets a cache")
                .isTrue();
        assertThat(build.configuration)
                .isEqualTo(dir.resolve(KEY + ".5151.aotconf.build").toFile());
    }

    @Test
    void aSkipNoteOfAnotherBuildOfTheSameJarIsDeletedWithItsOtherFilesAndOneOfOtherOptionsKept() throws IOException {
        touch(OTHER_BUILD + ".aotconf.skipped");
        touch(OTHER_OPTIONS + ".aotconf.skipped");
        touch("run-xyz-999.aotconf.skipped");

        plan(NONE_ALIVE);

        assertThat(files())
                .contains("run-xyz-999.aotconf.skipped", OTHER_OPTIONS + ".aotconf.skipped")
                .doesNotContain(OTHER_BUILD + ".aotconf.skipped");
    }

    @Test
    void whileAnotherStartIsRecordingThisOneRunsWithoutACacheAndTouchesNothing() throws IOException {
        touch(KEY + ".77.aotconf");
        marker(KEY + ".77.aotconf.running");

        AotCache.Plan plan = plan(pid -> pid == 77);

        assertThat(plan.builds()).isFalse();
        assertThat(plan.options).isEmpty();
        assertThat(files()).containsExactlyInAnyOrder(KEY + ".77.aotconf", KEY + ".77.aotconf.running");
    }

    @Test
    void whileABuildRunsThisStartRunsWithoutACacheAndABuildOlderThanTheTimeoutIsTakenForDead() throws IOException {
        ran(KEY);
        Path build = touch(KEY + ".77.aotconf.build");
        Path part = touch(KEY + ".77.aot.part");
        Files.setLastModifiedTime(build, FileTime.fromMillis(NOW - TimeUnit.MINUTES.toMillis(5)));
        Files.setLastModifiedTime(part, FileTime.fromMillis(NOW - TimeUnit.MINUTES.toMillis(5)));

        assertThat(plan(NONE_ALIVE).options).isEmpty();
        assertThat(files()).hasSize(3);

        Files.setLastModifiedTime(build, FileTime.fromMillis(NOW - AotCache.BUILD_TIMEOUT_MILLIS - 1));
        Files.setLastModifiedTime(part, FileTime.fromMillis(NOW - AotCache.BUILD_TIMEOUT_MILLIS - 1));

        assertThat(plan(NONE_ALIVE).options).contains("-XX:AOTMode=record");
        assertThat(files()).containsExactly(AotCache.jarPart(KEY) + ".ran");
    }

    @Test
    void onJdk24WhichHasNoMethodProfilesNoStartOrBuildGetsTheOptionsItDoesNotKnow() throws IOException {
        assertThat(AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 24).options)
                .noneMatch(o -> o.contains("Training"));
        ran(KEY);
        AotCache.Plan record = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 24);
        assertThat(record.options).contains("-XX:AOTMode=record").noneMatch(o -> o.contains("Training"));

        touch(KEY + ".77.aotconf");
        marker(KEY + ".77.aotconf.running");
        AotCache.Plan build = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID + 1, NOW, NONE_ALIVE, 24);
        assertThat(build.builds()).isTrue();
        assertThat(AotCache.builderCommand(build, List.of("/jdk/bin/java", "-Xmx128m", "-cp", "/srv/app.jar")))
                .contains("-XX:AOTMode=create")
                .noneMatch(o -> o.contains("Training") || o.contains("UnlockDiagnostic"));

        Files.delete(dir.resolve(KEY + ".%d.aotconf.build".formatted(PID + 1)));
        touch(KEY + ".aot");
        AotCache.Plan use = AotCache.plan(dir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 24);
        assertThat(use.options)
                .contains("-XX:AOTCache=" + dir.resolve(KEY + ".aot"))
                .noneMatch(o -> o.contains("Training"));
    }

    @Test
    void usingACacheMarksTheJarsNoteAsUsedSoTheSweepKeepsIt() throws IOException {
        touch(KEY + ".aot");
        Path note = ran(KEY);
        Files.setLastModifiedTime(note, FileTime.fromMillis(NOW - TimeUnit.DAYS.toMillis(20)));

        plan(NONE_ALIVE);

        assertThat(Files.getLastModifiedTime(note).toMillis()).isEqualTo(NOW);
    }

    @Test
    void aCacheIsUsedAndFilesOfAnotherBuildOfTheSameJarAreDeletedOthersKept() throws IOException {
        touch(KEY + ".aot");
        touch(OTHER_BUILD + ".aot");
        touch(OTHER_BUILD + ".9.aotconf");
        touch("run-abc-9f9f9f9f.jsa");
        touch("run-abc-222.aot"); // the key before it had a jar part and an options part
        touch("run-other-222.aot");
        touch("token-abc-222.jsa");

        AotCache.Plan plan = plan(NONE_ALIVE);

        assertThat(plan.builds()).isFalse();
        assertThat(plan.options)
                .startsWith("-XX:AOTCache=" + dir.resolve(KEY + ".aot"))
                .as("a cache recorded with method profiles (before they were left out) is used without them")
                .containsSubsequence("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTReplayTraining");
        assertThat(files()).containsExactlyInAnyOrder(KEY + ".aot", "run-other-222.aot", "token-abc-222.jsa");
    }

    @Test
    void onceTheCacheIsBuiltTheRecordingsOfConcurrentFirstStartsAreDeletedButOneStillBeingWritten() throws IOException {
        touch(KEY + ".aot");
        touch(KEY + ".77.aotconf"); // a first start beside the one that was built; its JVM has exited
        marker(KEY + ".77.aotconf.running");
        touch(KEY + ".99.aotconf"); // one whose JVM still runs: being written
        marker(KEY + ".99.aotconf.running");
        marker(KEY + ".55.aotconf.running"); // a marker without its recording
        Path deadBuild = touch(KEY + ".66.aotconf.build");
        Files.setLastModifiedTime(deadBuild, FileTime.fromMillis(NOW - AotCache.BUILD_TIMEOUT_MILLIS - 1));
        Files.setLastModifiedTime(touch(KEY + ".88.aot.part"), FileTime.fromMillis(NOW)); // a build of now
        touch(OTHER_OPTIONS + ".44.aotconf"); // another key's: CacheCleanup's

        AotCache.Plan plan = plan(pid -> pid == 99);

        assertThat(plan.options).startsWith("-XX:AOTCache=" + dir.resolve(KEY + ".aot"));
        assertThat(files())
                .containsExactlyInAnyOrder(
                        KEY + ".aot",
                        KEY + ".99.aotconf",
                        KEY + ".99.aotconf.running",
                        KEY + ".88.aot.part",
                        OTHER_OPTIONS + ".44.aotconf");
    }

    @Test
    void theSameJarUnderOtherJvmOptionsKeepsItsCacheAndItsTrainingRunBesideThisOne() throws IOException {
        // Another instance of the service, or a run from a terminal beside the installed service: other options.
        ran(KEY);
        touch(OTHER_OPTIONS + ".aot");
        touch(OTHER_OPTIONS + ".77.aotconf");
        marker(OTHER_OPTIONS + ".77.aotconf.running");

        AotCache.Plan record = plan(NONE_ALIVE);

        assertThat(record.options)
                .as("this start has no cache of its own options yet: it records one")
                .contains("-XX:AOTMode=record")
                .noneMatch(o -> o.contains(OTHER_OPTIONS));
        assertThat(files())
                .as("and leaves the other options' cache and finished training run alone")
                .containsExactlyInAnyOrder(
                        AotCache.jarPart(KEY) + ".ran",
                        OTHER_OPTIONS + ".aot",
                        OTHER_OPTIONS + ".77.aotconf",
                        OTHER_OPTIONS + ".77.aotconf.running");

        AotCache.Plan other = AotCache.plan(dir.toFile(), OTHER_OPTIONS, "run-abc-", PID + 1, NOW, NONE_ALIVE, 25);

        assertThat(other.options).contains("-XX:AOTCache=" + dir.resolve(OTHER_OPTIONS + ".aot"));
    }

    @Test
    void runAndStatusOfTheSameJarJdkAndOptionsEachTrainBuildAndUseTheirOwnCacheAndLeaveTheOthersFiles()
            throws IOException {
        String status = AotCache.withVerb(KEY, "status");
        String statusOfOtherBuild = AotCache.withVerb(OTHER_BUILD, "status");
        touch(KEY + ".aot");
        touch(statusOfOtherBuild + ".aot");
        touch(AotCache.jarPart(statusOfOtherBuild) + ".ran");
        ran(status);

        AotCache.Plan record = AotCache.plan(dir.toFile(), status, "status-abc-", PID, NOW, NONE_ALIVE, 25);

        assertThat(record.options)
                .as("run's cache is not status's: status records a training run of its own")
                .contains("-XX:AOTMode=record", "-XX:AOTConfiguration=" + dir.resolve(status + ".4242.aotconf"))
                .noneMatch(o -> o.startsWith("-XX:AOTCache"));
        assertThat(files())
                .as("run's cache left alone, status's of another build of the jar deleted")
                .containsExactlyInAnyOrder(KEY + ".aot", AotCache.jarPart(status) + ".ran");

        touch(status + ".4242.aotconf");
        marker(status + ".4242.aotconf.running");
        touch(OTHER_BUILD + ".aot");
        AotCache.Plan use = plan(NONE_ALIVE);

        assertThat(use.options).startsWith("-XX:AOTCache=" + dir.resolve(KEY + ".aot"));
        assertThat(files())
                .as("run neither builds nor deletes status's finished training run; run's of another build deleted")
                .containsExactlyInAnyOrder(
                        KEY + ".aot",
                        AotCache.jarPart(status) + ".ran",
                        status + ".4242.aotconf",
                        status + ".4242.aotconf.running");

        AotCache.Plan build = AotCache.plan(dir.toFile(), status, "status-abc-", PID + 1, NOW, NONE_ALIVE, 25);

        assertThat(build.builds()).as("the next status builds it").isTrue();
        assertThat(build.cache).isEqualTo(dir.resolve(status + ".aot").toFile());
        assertThat(files())
                .containsExactlyInAnyOrder(
                        KEY + ".aot", AotCache.jarPart(status) + ".ran", status + ".4243.aotconf.build");
    }

    @Test
    void theBuilderRunsTheServicesJavaAndOptionsInCreateModeOnTheClaimedRecording() throws IOException {
        touch(KEY + ".77.aotconf");
        marker(KEY + ".77.aotconf.running");
        AotCache.Plan plan = plan(NONE_ALIVE);
        List<String> service = List.of(
                "/jdk/bin/java",
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx128m",
                "-cp",
                "/srv/app.jar",
                "Main",
                "run");

        List<String> builder = AotCache.builderCommand(plan, service);

        int shell = builder.indexOf("sh");
        assertThat(builder.subList(0, shell))
                .as("setsid where there is one")
                .allMatch(word -> word.endsWith("/setsid"))
                .hasSizeLessThanOrEqualTo(1);
        assertThat(builder.subList(shell, shell + 2)).containsExactly("sh", "-c");
        assertThat(builder.subList(shell + 3, builder.size()))
                .containsExactly(
                        "sh",
                        plan.configuration.toString(),
                        plan.partial.toString(),
                        plan.cache.toString(),
                        "/jdk/bin/java",
                        "--enable-native-access=ALL-UNNAMED",
                        "-Xmx128m",
                        "-XX:AOTMode=create",
                        "-XX:AOTConfiguration=" + plan.configuration,
                        "-XX:AOTCache=" + plan.partial,
                        "-XX:+UnlockDiagnosticVMOptions",
                        "-XX:-AOTRecordTraining",
                        "-XX:-AOTReplayTraining",
                        "-Xlog:aot*=error",
                        "-Xlog:cds*=error",
                        "-cp",
                        "/srv/app.jar");
    }

    @Test
    void theBuilderRenamesItsOutputToTheCacheOnlyWhenTheJvmSucceededAndCleansUpEitherWay() throws Exception {
        for (boolean succeeds : new boolean[] {true, false}) {
            Path fakeJava = Files.writeString(
                    dir.resolve("java-" + succeeds),
                    "#!/bin/sh\n"
                            + "for a in \"$@\"; do case \"$a\" in -XX:AOTCache=*) printf cache > \"${a#-XX:AOTCache=}\";; esac;"
                            + " done\n"
                            + (succeeds ? "exit 0\n" : "exit 1\n"));
            Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
            Path cacheDir = Files.createDirectories(dir.resolve("cache-" + succeeds));
            Files.write(cacheDir.resolve(KEY + ".77.aotconf"), new byte[] {1});
            Files.write(cacheDir.resolve(KEY + ".77.aotconf.running"), new byte[0]);
            AotCache.Plan plan = AotCache.plan(cacheDir.toFile(), KEY, "run-abc-", PID, NOW, NONE_ALIVE, 25);

            assertThat(AotCache.startBuilder(plan, List.of(fakeJava.toString(), "-Xmx1m", "-cp", "app.jar", "Main")))
                    .isNull();

            File cache = cacheDir.resolve(KEY + ".aot").toFile();
            // The build is detached: nothing to wait on but its files.
            Poll.until(
                    Duration.ofSeconds(20),
                    "the build to remove its recording " + plan.configuration,
                    () -> !plan.configuration.exists());
            if (succeeds) {
                assertThat(cacheDir.toFile().list()).containsExactly(KEY + ".aot");
                assertThat(Files.readString(cache.toPath())).isEqualTo("cache");
            } else {
                assertThat(cacheDir.toFile().list())
                        .as("no cache, no recording, no partial output")
                        .isEmpty();
            }
        }
    }

    @Test
    void theKeyChangesWithAnyClassInTheJarEvenAtTheSameSizeAndTimeAndWithTheOptions() throws IOException {
        Path jarA = zip("a.jar", "dev/A.class", "aaaa");
        Path jarB = zip("b.jar", "dev/A.class", "bbbb");
        Files.setLastModifiedTime(jarB, Files.getLastModifiedTime(jarA));
        assertThat(Files.size(jarA)).isEqualTo(Files.size(jarB));
        File home = Files.createDirectories(dir.resolve("jdk")).toFile();

        String a = AotCache.key("run", "ab", jarA.toFile(), home, List.of("-Xmx128m"));

        assertThat(AotCache.key("run", "ab", jarA.toFile(), home, List.of("-Xmx128m")))
                .isEqualTo(a);
        assertThat(a).startsWith("run-ab-").hasSize("run-ab-".length() + AotCache.JAR_DIGITS + AotCache.OPTIONS_DIGITS);
        assertThat(StartupFileName.parse(a + ".aot"))
                .as("a name the cleanup knows")
                .isNotNull();
        assertThat(AotCache.jarPart(AotCache.key("run", "ab", jarA.toFile(), home, List.of("-Xmx256m"))))
                .as("other options: the same jar-and-JDK part")
                .isEqualTo(AotCache.jarPart(a));
        assertThat(AotCache.jarPart(AotCache.key("run", "ab", jarB.toFile(), home, List.of("-Xmx128m"))))
                .as("another jar: another jar-and-JDK part")
                .isNotEqualTo(AotCache.jarPart(a));
        assertThat(AotCache.key("run", "ab", jarB.toFile(), home, List.of("-Xmx128m")))
                .isNotEqualTo(a);
        assertThat(AotCache.key("run", "ab", jarA.toFile(), home, List.of("-Xmx256m")))
                .isNotEqualTo(a);
        String status = AotCache.key("status", "ab", jarA.toFile(), home, List.of("-Xmx128m"));
        assertThat(status)
                .as("the same jar, JDK and options for status: a key of its own, the verb first")
                .isEqualTo("status" + a.substring("run".length()));
        assertThat(AotCache.withVerb(a, "status")).isEqualTo(status);
        assertThat(AotCache.withVerb(status, "run")).isEqualTo(a);
        assertThat(AotCache.jarPart(status)).doesNotStartWith(AotCache.jarPart(a));
        assertThat(StartupFileName.parse(status + ".12.aotconf.running").verb).isEqualTo("status");
        assertThat(AotCache.centralDirectoryCrc(jarA.toFile())).isNotEqualTo(-1L);
        assertThat(AotCache.centralDirectoryCrc(touch("not-a.jar").toFile())).isEqualTo(-1L);
    }

    @Test
    void onlyRunAndStatusOnAJdk24PlusOnLinuxWithACacheDirectoryAndNoArchiveOfItsOwnGetPlans() throws IOException {
        Path jar = zip("app.jar", "dev/A.class", "a");
        Path home = Files.createDirectories(dir.resolve("jdk"));
        Path cache = Files.createDirectories(dir.resolve("cache"));
        List<String> plain = List.of("/jdk/bin/java", "-Xmx128m", "-cp", jar.toString(), "Main", "run");
        Properties linux = new Properties();
        linux.setProperty("os.name", "Linux");
        String[] run = {"run"};

        assertThat(Launcher.aotPlan(plain, List.of(), run, jar, home, 25, cache, linux, PID))
                .isNotNull();
        assertThat(Launcher.aotPlan(
                        plain, List.of(), new String[] {"status", "--json"}, jar, home, 25, cache, linux, 9))
                .isNotNull();
        for (String verb : List.of("token", "doctor", "install", "version", "service")) {
            assertThat(Launcher.aotPlan(plain, List.of(), new String[] {verb}, jar, home, 25, cache, linux, PID))
                    .as(verb)
                    .isNull();
        }
        assertThat(Launcher.aotPlan(plain, List.of(), run, jar, home, 21, cache, linux, PID))
                .isNull();
        assertThat(Launcher.aotPlan(plain, List.of(), run, jar, home, 25, null, linux, PID))
                .isNull();
        assertThat(Launcher.aotPlan(plain, List.of("-Xshare:off"), run, jar, home, 25, cache, linux, PID))
                .isNull();
        Properties mac = new Properties();
        mac.setProperty("os.name", "Mac OS X");
        assertThat(Launcher.aotPlan(plain, List.of(), run, jar, home, 25, cache, mac, PID))
                .isNull();
        Properties off = new Properties();
        off.putAll(linux);
        off.setProperty(Launcher.AOT_CACHE_PROPERTY, "false");
        assertThat(Launcher.aotPlan(plain, List.of(), run, jar, home, 25, cache, off, PID))
                .isNull();
    }

    private Path zip(String name, String entry, String content) throws IOException {
        Path file = dir.resolve(name);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            ZipEntry e = new ZipEntry(entry);
            e.setTime(0);
            out.putNextEntry(e);
            out.write(content.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return file;
    }
}
