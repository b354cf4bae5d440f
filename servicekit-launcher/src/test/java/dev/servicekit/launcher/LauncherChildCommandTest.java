package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child JVM's command line, and the real main run in this JVM (the tests run on Java 21+). */
class LauncherChildCommandTest {

    private final Map<String, String> environment = new HashMap<>();
    private final Attributes manifest = new Attributes();

    private List<String> command(int runningFeature, List<String> inputArguments, String... args) {
        return Launcher.childCommand(
                Paths.get("/jdk-25/bin/java"),
                inputArguments,
                environment,
                runningFeature,
                manifest,
                "/srv/app.jar",
                "com.example.Main",
                args);
    }

    @Test
    void theChildGetsThisJvmsOptionsTheJarTheRealMainAndTheArguments() {
        assertThat(command(17, List.of("-Xmx128m", "-Dx=1"), "run", "--set", "http.port=0"))
                .containsExactly(
                        "/jdk-25/bin/java",
                        "-Xmx128m",
                        "-Dx=1",
                        "-cp",
                        "/srv/app.jar",
                        "com.example.Main",
                        "run",
                        "--set",
                        "http.port=0");
    }

    @Test
    void manifestOptionsThatOnlyJavaDashJarReadsBecomeCommandLineOptions() {
        manifest.putValue("Enable-Native-Access", "ALL-UNNAMED");
        manifest.putValue("Add-Opens", "java.base/java.lang java.base/java.io");
        manifest.putValue("Add-Exports", "java.base/sun.nio.ch");

        assertThat(command(17, List.of()))
                .containsExactly(
                        "/jdk-25/bin/java",
                        "--enable-native-access=ALL-UNNAMED",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--add-opens=java.base/java.io=ALL-UNNAMED",
                        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                        "-cp",
                        "/srv/app.jar",
                        "com.example.Main");
    }

    @Test
    void optionsFromJavaToolOptionsAndJdkJavaOptionsAreNotPassedTwice() {
        environment.put("JAVA_TOOL_OPTIONS", "-Dtool=1");
        environment.put("JDK_JAVA_OPTIONS", " -Dlauncher=1  -Xss1m ");

        assertThat(command(17, List.of("-Dtool=1", "-Dlauncher=1", "-Xss1m", "-Dmine=1")))
                .containsExactly("/jdk-25/bin/java", "-Dmine=1", "-cp", "/srv/app.jar", "com.example.Main");
    }

    @Test
    void java8DoesNotReadJdkJavaOptionsSoTheSameOptionsOnItsCommandLineStay() {
        environment.put("JDK_JAVA_OPTIONS", "-Dlauncher=1");

        assertThat(command(8, List.of("-Dlauncher=1"))).contains("-Dlauncher=1");
    }

    @Test
    void theChildGetsTheShippedOptionsAndAnArchivePerVerbBeforeThisJvmsOwnOptions(@TempDir Path cache) {
        manifest.putValue(Launcher.JVM_OPTIONS_ATTRIBUTE, "-XX:+UseSerialGC  -Xmx128m");
        List<String> startup = Launcher.startupOptions(
                manifest,
                List.of("-Xmx512m"),
                new String[] {"run", "--set", "http.port=0"},
                Paths.get("/srv/app.jar"),
                Paths.get("/jdk-25"),
                cache);

        assertThat(startup)
                .as("(the temporary directory needs %d bytes free)", CacheFiles.MIN_ROOM_BYTES)
                .startsWith("-XX:+UseSerialGC", "-Xmx128m")
                .contains("-XX:+AutoCreateSharedArchive");
        assertThat(startup)
                .filteredOn(o -> o.startsWith("-XX:SharedArchiveFile="))
                .singleElement(STRING)
                .startsWith("-XX:SharedArchiveFile=" + cache.resolve("run-"))
                .endsWith(".jsa");
        List<String> command = Launcher.childCommand(
                Paths.get("/jdk-25/bin/java"),
                startup,
                List.of("-Xmx512m"),
                environment,
                17,
                manifest,
                "/srv/app.jar",
                "com.example.Main",
                new String[] {"run"});
        assertThat(command.indexOf("-Xmx512m"))
                .as("an option given on the command line comes last, so it wins")
                .isGreaterThan(command.indexOf("-Xmx128m"));
    }

    @Test
    void theToolkitsShortVerbsGetC1AloneAfterTheShippedOptionsAndAnOptionGivenToJavaStillWins() {
        assertThat(Launcher.SHORT_VERBS)
                .as("the toolkit's verbs but run and service")
                .containsExactlyInAnyOrder(
                        "status",
                        "start",
                        "stop",
                        "restart",
                        "reload",
                        "install",
                        "uninstall",
                        "doctor",
                        "config",
                        "version");
        manifest.putValue(Launcher.JVM_OPTIONS_ATTRIBUTE, "-XX:+UseSerialGC -Xmx128m");
        for (String verb : List.of("status", "stop", "start", "restart", "reload", "doctor", "config", "install")) {
            assertThat(Launcher.shippedOptions(manifest, new String[] {verb, "--json"}))
                    .as(verb)
                    .containsExactly("-XX:+UseSerialGC", "-Xmx128m", Launcher.SHORT_VERB_OPTION);
            assertThat(Launcher.startupOptions(
                            manifest,
                            List.of(),
                            new String[] {verb},
                            Paths.get("/srv/app.jar"),
                            Paths.get("/jdk-25"),
                            Paths.get("/home/me/.cache/servicekit")))
                    .as(verb)
                    .startsWith("-XX:+UseSerialGC", "-Xmx128m", Launcher.SHORT_VERB_OPTION);
        }
        for (String verb : List.of("run", "service", "backup", "data", "restore", "token", "stat")) {
            assertThat(Launcher.shippedOptions(manifest, new String[] {verb}))
                    .as(verb)
                    .containsExactly("-XX:+UseSerialGC", "-Xmx128m");
        }
        assertThat(Launcher.shippedOptions(manifest, new String[0])).containsExactly("-XX:+UseSerialGC", "-Xmx128m");

        List<String> command = Launcher.childCommand(
                Paths.get("/jdk-25/bin/java"),
                Launcher.shippedOptions(manifest, new String[] {"status"}),
                List.of("-XX:TieredStopAtLevel=4"),
                environment,
                17,
                manifest,
                "/srv/app.jar",
                "com.example.Main",
                new String[] {"status"});
        assertThat(command.lastIndexOf("-XX:TieredStopAtLevel=4"))
                .as("the user's own option comes after, so it wins")
                .isGreaterThan(command.indexOf(Launcher.SHORT_VERB_OPTION));
    }

    @Test
    void noArchiveWhenTheCommandLineNamesOneOrThereIsNoCacheDirectoryOrNoVerb() {
        manifest.putValue(Launcher.JVM_OPTIONS_ATTRIBUTE, "-XX:+UseSerialGC");
        Path cache = Paths.get("/cache");
        Path jar = Paths.get("/srv/app.jar");
        Path home = Paths.get("/jdk-25");
        String[] run = {"run"};

        assertThat(Launcher.startupOptions(manifest, List.of("-XX:AOTCache=app.aot"), run, jar, home, cache))
                .containsExactly("-XX:+UseSerialGC");
        assertThat(Launcher.startupOptions(manifest, List.of("-Xshare:off"), run, jar, home, cache))
                .containsExactly("-XX:+UseSerialGC");
        assertThat(Launcher.startupOptions(manifest, List.of(), run, jar, home, null))
                .containsExactly("-XX:+UseSerialGC");
        assertThat(Launcher.startupOptions(manifest, List.of(), new String[] {"--help"}, jar, home, cache))
                .containsExactly("-XX:+UseSerialGC");
        assertThat(Launcher.startupOptions(new Attributes(), List.of(), new String[0], jar, home, cache))
                .isEmpty();
    }

    @Test
    void aJarRebuiltInPlaceGetsANewArchiveAndTheOldOneIsDeleted(@TempDir Path dir) throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path home = Files.createDirectories(dir.resolve("jdk"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"25\"\n");
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        Path first = Launcher.archiveFile(cache, "run", jar, home);
        Files.write(first, new byte[] {0});
        Path otherVerb = Files.write(Launcher.archiveFile(cache, "token", jar, home), new byte[] {0});
        Path otherJar = Files.write(
                Launcher.archiveFile(cache, "run", Files.write(dir.resolve("b.jar"), new byte[] {1}), home),
                new byte[] {0});

        assertThat(Launcher.archiveFile(cache, "run", jar, home))
                .as("nothing changed: the same archive")
                .isEqualTo(first);
        assertThat(first).exists();

        Files.write(jar, new byte[] {1, 2, 3, 4}); // rebuilt in place: another size and time
        Files.setLastModifiedTime(
                jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 2_000));
        Path second = Launcher.archiveFile(cache, "run", jar, home);

        assertThat(second).isNotEqualTo(first).doesNotExist();
        assertThat(first).as("the archive of the jar that was there before").doesNotExist();
        assertThat(otherVerb).as("another verb's archive is its own").exists();
        assertThat(otherJar).as("another jar's archive is its own").exists();

        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"25.0.4\"\n");
        assertThat(Launcher.archiveFile(cache, "run", jar, home))
                .as("a JDK updated in place")
                .isNotEqualTo(second);
    }

    @Test
    void anApplicationsVerbOrAMistypedOneGetsItsArchiveFromItsSecondUseOnAndTheToolkitsVerbsAtTheirFirst(
            @TempDir Path dir) throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path home = Files.createDirectories(dir.resolve("jdk"));
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        Path seen = cache.resolve("token-" + Launcher.where(jar, home) + StartupFileName.SEEN);

        assertThat(archive(cache, jar, home, "token", "issue"))
                .as("the first use of a word that is not the toolkit's: no archive written at its exit")
                .isEmpty();
        assertThat(seen).as("but noted").exists();
        assertThat(archive(cache, jar, home, "token", "issue"))
                .as("its second use writes the archive at exit")
                .contains(Launcher.archiveFile(cache, "token", jar, home).toString());
        assertThat(archive(cache, jar, home, "stauts"))
                .as("a mistyped verb, once")
                .isEmpty();

        for (String verb : Launcher.TOOLKIT_VERBS) {
            assertThat(archive(cache, jar, home, verb))
                    .as(verb)
                    .contains(Launcher.archiveFile(cache, verb, jar, home).toString());
        }
        assertThat(cache.resolve("status-" + Launcher.where(jar, home) + StartupFileName.SEEN))
                .as("no note for the toolkit's verbs")
                .doesNotExist();

        Files.delete(seen); // swept by CacheCleanup after thirty days unused
        Files.write(Launcher.archiveFile(cache, "token", jar, home), new byte[] {0});
        assertThat(archive(cache, jar, home, "token"))
                .as("an archive written before is used without its note")
                .contains(Launcher.archiveFile(cache, "token", jar, home).toString());

        Path notADirectory = Files.write(dir.resolve("file"), new byte[] {0});
        assertThat(Launcher.startupOptions(manifest, List.of(), new String[] {"export"}, jar, home, notADirectory))
                .as("no note can be written: no archive asked for")
                .noneMatch(o -> o.startsWith("-XX:SharedArchiveFile="));
    }

    @Test
    void whereTheJvmCouldNotWriteAnArchiveNoneIsAskedForAndOneAlreadyThereIsOnlyMapped(@TempDir Path dir)
            throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path home = Files.createDirectories(dir.resolve("jdk"));
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});

        assertThat(Launcher.withArchive(new ArrayList<>(), "config", jar, home, cache, false))
                .as("no room: no archive for a toolkit verb's first use")
                .isEmpty();
        for (int use = 0; use < 2; use++) {
            assertThat(Launcher.withArchive(new ArrayList<>(), "token", jar, home, cache, false))
                    .as("nor for an application's verb, at any use")
                    .isEmpty();
        }
        try (java.util.stream.Stream<Path> files = Files.list(cache)) {
            assertThat(files).as("and nothing noted").isEmpty();
        }

        Path archive = Files.write(Launcher.archiveFile(cache, "config", jar, home), new byte[] {0});
        assertThat(Launcher.withArchive(new ArrayList<>(), "config", jar, home, cache, false))
                .as("an archive already there is mapped; the JVM never writes one it was not told to create")
                .contains("-XX:SharedArchiveFile=" + archive)
                .doesNotContain("-XX:+AutoCreateSharedArchive");
        assertThat(Launcher.withArchive(new ArrayList<>(), "config", jar, home, cache, true))
                .as("with room, as before")
                .contains("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive");
    }

    @Test
    void roomToWriteAsksForTheMinimumFreeSpace(@TempDir Path dir) {
        boolean room = dir.toFile().getUsableSpace() >= CacheFiles.MIN_ROOM_BYTES;
        assertThat(CacheFiles.roomToWrite(dir.toFile())).isEqualTo(room);
        assertThat(CacheFiles.roomToWrite(dir.resolve("missing").toFile()))
                .as("a directory that is not there has no room")
                .isFalse();
    }

    /** The archive {@link Launcher#startupOptions} names for these arguments, if any. */
    private java.util.Optional<String> archive(Path cache, Path jar, Path home, String... args) {
        return Launcher.startupOptions(manifest, List.of(), args, jar, home, cache).stream()
                .filter(o -> o.startsWith("-XX:SharedArchiveFile="))
                .map(o -> o.substring("-XX:SharedArchiveFile=".length()))
                .findFirst();
    }

    @Test
    void twoJarsOrTwoJdksNeverShareAnArchive() {
        Path cache = Paths.get("/cache");
        List<String> a = Launcher.withArchive(
                new ArrayList<>(), "run", Paths.get("/a/app.jar"), Paths.get("/jdk-25"), cache, true);
        List<String> b = Launcher.withArchive(
                new ArrayList<>(), "run", Paths.get("/b/app.jar"), Paths.get("/jdk-25"), cache, true);
        List<String> c = Launcher.withArchive(
                new ArrayList<>(), "run", Paths.get("/a/app.jar"), Paths.get("/jdk-26"), cache, true);

        assertThat(a.get(0)).isNotEqualTo(b.get(0)).isNotEqualTo(c.get(0));
    }

    @Test
    void statusGetsAnAotCacheOfItsOwnBesideRunsWhereOtherVerbsGetAnArchive(@TempDir Path dir) throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path home = Files.createDirectories(dir.resolve("jdk"));
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1, 2, 3});
        java.util.Properties linux = new java.util.Properties();
        linux.setProperty("os.name", "Linux");
        List<String> plain = List.of("/jdk/bin/java", "-XX:+UseSerialGC", "-cp", jar.toString(), "Main", "status");

        AotCache.Plan run = Launcher.aotPlan(plain, List.of(), new String[] {"run"}, jar, home, 25, cache, linux, 41);
        AotCache.Plan status =
                Launcher.aotPlan(plain, List.of(), new String[] {"status", "--json"}, jar, home, 25, cache, linux, 42);
        assertThat(status.options)
                .as("the first status records nothing, and says when it has answered")
                .containsExactly(
                        "-D" + AotCache.RAN_PROPERTY + "=" + cache.resolve(AotCache.jarPart(status.key) + ".ran"));
        Files.write(
                cache.resolve(AotCache.jarPart(run.key) + ".ran"),
                new byte[0]); // what servicekit-core leaves, run or status
        Files.write(cache.resolve(AotCache.jarPart(status.key) + ".ran"), new byte[0]);
        run = Launcher.aotPlan(plain, List.of(), new String[] {"run"}, jar, home, 25, cache, linux, 41);
        status = Launcher.aotPlan(plain, List.of(), new String[] {"status", "--json"}, jar, home, 25, cache, linux, 42);

        assertThat(run.key).startsWith("run-" + Launcher.where(jar, home) + "-");
        assertThat(status.key)
                .as("the same jar, JDK and options: the same key under the verb status")
                .isEqualTo("status" + run.key.substring("run".length()));
        assertThat(status.options)
                .as("the first status records a training run of its own, its JVM output on stderr, off the JSON")
                .contains(
                        "-XX:AOTMode=record",
                        "-XX:AOTConfiguration=" + cache.resolve(status.key + ".42.aotconf"),
                        "-D" + AotCache.MARKER_PROPERTY + "=" + cache.resolve(status.key + ".42.aotconf.running"),
                        AotCache.VM_OUTPUT_TO_STDERR);
        assertThat(run.options)
                .as("run, recording at the same time, is not taken for status's recording")
                .contains("-XX:AOTConfiguration=" + cache.resolve(run.key + ".41.aotconf"));
        assertThat(Launcher.aotPlan(plain, List.of(), new String[] {"doctor"}, jar, home, 25, cache, linux, 43))
                .isNull();
        assertThat(Launcher.restartsWithShippedOptions(new String[] {"status"}, 25, List.of(), linux))
                .as("on a JDK 25 as the default java, status restarts for its cache as run does")
                .isTrue();
    }

    @Test
    void theApplicationIsNamedByImplementationTitle() {
        assertThat(Launcher.applicationName(manifest)).isEqualTo("servicekit");
        manifest.put(Attributes.Name.IMPLEMENTATION_TITLE, "users-service");
        assertThat(Launcher.applicationName(manifest)).isEqualTo("users-service");
    }

    @Test
    void onJava21OrLaterTheRealMainRunsInThisJvmOnThisThread() throws Throwable {
        System.setProperty(Launcher.MAIN_CLASS_PROPERTY, RecordingMain.class.getName());

        Launcher.main(new String[] {"version", "--json"});

        assertThat(RecordingMain.calls).containsExactly(Thread.currentThread().getName() + " [version, --json]");
    }

    @Test
    void whatTheRealMainThrowsComesOutUnwrapped() {
        System.setProperty(Launcher.MAIN_CLASS_PROPERTY, ThrowingMain.class.getName());

        assertThatThrownBy(() -> Launcher.main(new String[0]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("from the real main");
    }

    @AfterEach
    void clearMainClass() {
        System.clearProperty(Launcher.MAIN_CLASS_PROPERTY);
        RecordingMain.calls.clear();
    }

    /** A real main that records how it was called. */
    public static final class RecordingMain {
        static final List<String> calls = new ArrayList<>();

        private RecordingMain() {}

        /** Records the thread and the arguments. */
        public static void main(String[] args) {
            calls.add(Thread.currentThread().getName() + " " + List.of(args));
        }
    }

    /** A real main that fails. */
    public static final class ThrowingMain {
        private ThrowingMain() {}

        /** Throws. */
        public static void main(String[] args) {
            throw new IllegalStateException("from the real main");
        }
    }

    @Test
    void onJava21OnlyRunIsRestartedAndNeverAJvmThatHasItsOptionsOrAnArchiveOrWasToldNotTo() {
        java.util.Properties linux = new java.util.Properties();
        linux.setProperty("os.name", "Linux");

        assertThat(Launcher.restartsWithShippedOptions(new String[] {"run"}, 21, List.of(), linux))
                .isTrue();
        assertThat(Launcher.restartsWithShippedOptions(
                        new String[] {"run", "--set", "a=b"}, 21, List.of("-Xmx1g"), linux))
                .as("options of the user's own are kept by the new JVM, after the shipped ones")
                .isTrue();
        assertThat(Launcher.restartsWithShippedOptions(new String[] {"version"}, 21, List.of(), linux))
                .isFalse();
        assertThat(Launcher.restartsWithShippedOptions(new String[0], 21, List.of(), linux))
                .isFalse();
        for (String archive : List.of(
                "-XX:SharedArchiveFile=users-service.jsa", "-XX:AOTCache=app.aot", "-Xshare:off", "-XX:AOTMode=off")) {
            assertThat(Launcher.restartsWithShippedOptions(new String[] {"run"}, 21, List.of(archive), linux))
                    .as(archive)
                    .isFalse();
        }
        for (String property :
                List.of(Launcher.JVM_OPTIONS_PROPERTY, Launcher.STARTUP_CACHE_PROPERTY, Launcher.EXEC_PROPERTY)) {
            java.util.Properties properties = new java.util.Properties();
            properties.putAll(linux);
            properties.setProperty(property, property.equals(Launcher.JVM_OPTIONS_PROPERTY) ? "shipped" : "false");
            assertThat(Launcher.restartsWithShippedOptions(new String[] {"run"}, 21, List.of(), properties))
                    .as(property)
                    .isFalse();
        }
        java.util.Properties windows = new java.util.Properties();
        windows.setProperty("os.name", "Windows 11");
        assertThat(Launcher.restartsWithShippedOptions(new String[] {"run"}, 21, List.of(), windows))
                .isFalse();
    }

    @Test
    void statusIsRestartedOnlyOnAJdkWithTheAotCacheAndNeverWithoutIt() {
        java.util.Properties linux = new java.util.Properties();
        linux.setProperty("os.name", "Linux");
        String[] status = {"status", "--json"};

        assertThat(Launcher.restartsWithShippedOptions(status, AotCache.MIN_FEATURE, List.of(), linux))
                .as("a JDK with the AOT cache: status restarts to map its own")
                .isTrue();
        assertThat(Launcher.restartsWithShippedOptions(status, AotCache.MIN_FEATURE - 1, List.of(), linux))
                .as("JDK 21-23: no AOT cache, so status runs in the JVM it was started in")
                .isFalse();
        assertThat(Launcher.restartsWithShippedOptions(status, 25, List.of("-XX:AOTCache=status.aot"), linux))
                .as("a cache of the user's own")
                .isFalse();
        for (String property : List.of(
                Launcher.AOT_CACHE_PROPERTY,
                Launcher.STARTUP_CACHE_PROPERTY,
                Launcher.EXEC_PROPERTY,
                Launcher.JVM_OPTIONS_PROPERTY)) {
            java.util.Properties properties = new java.util.Properties();
            properties.putAll(linux);
            properties.setProperty(property, property.equals(Launcher.JVM_OPTIONS_PROPERTY) ? "given" : "false");
            assertThat(Launcher.restartsWithShippedOptions(status, 25, List.of(), properties))
                    .as(property)
                    .isFalse();
        }
        java.util.Properties mac = new java.util.Properties();
        mac.setProperty("os.name", "Mac OS X");
        assertThat(Launcher.restartsWithShippedOptions(status, 25, List.of(), mac))
                .isFalse();
        for (String verb : List.of("start", "stop", "doctor", "config", "version")) {
            assertThat(Launcher.restartsWithShippedOptions(new String[] {verb}, 25, List.of(), linux))
                    .as("%s stays in its JVM", verb)
                    .isFalse();
        }
    }

    @Test
    void thisJvmsOptionsAreReadOnlyWhereARestartIsPossible() {
        java.util.Properties linux = new java.util.Properties();
        linux.setProperty("os.name", "Linux");
        java.util.Properties windows = new java.util.Properties();
        windows.setProperty("os.name", "Windows 11");
        java.util.Properties noExec = new java.util.Properties();
        noExec.putAll(linux);
        noExec.setProperty(Launcher.EXEC_PROPERTY, "false");

        assertThat(Launcher.mayRestartWithShippedOptions(new String[] {"run"}, 21, linux))
                .isTrue();
        assertThat(Launcher.mayRestartWithShippedOptions(new String[] {"run"}, 21, windows))
                .as("Windows: no execve, so the management classes are not asked")
                .isFalse();
        assertThat(Launcher.mayRestartWithShippedOptions(new String[] {"version"}, 21, linux))
                .isFalse();
        assertThat(Launcher.mayRestartWithShippedOptions(new String[] {"run"}, 21, noExec))
                .isFalse();
    }
}
