package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's {@code java -jar users-service.jar run} on a JDK 24+ makes and uses the JDK's AOT cache over three
 * ordinary starts (servicekit-launcher's {@code AotCache}): the first records a training run, the second builds the
 * cache in the background, the third maps it; a start that migrated a new database is not trained on. Real JVMs,
 * real {@code execve}, the real detached build.
 */
class AotCacheIT {

    /** Hex digits of a cache key's options part (servicekit-launcher's {@code AotCache.OPTIONS_DIGITS}). */
    private static final int OPTIONS_DIGITS = 8;

    private static final Duration BUILD = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void aStartThatRanThenThreeStartsRecordBuildAndMapTheCacheAndAChangedJarTrainsAgainInsteadOfMappingTheOldOne()
            throws Exception {
        assumeAotCacheJdk();
        Path jar = Files.copy(UsersServiceProcessIT.JAR, dir.resolve("users-service.jar"));
        Path cache = dir.resolve("cache/servicekit");

        // Until a start of this jar has run the service, none records: a failed first start costs nothing more.
        try (ServerSocket taken = new ServerSocket(0)) {
            try (ServiceProcess failed = start(jar, "http.port=" + taken.getLocalPort())) {
                assertThat(failed.awaitExit(UsersServiceProcessIT.START)).isNotZero();
                assertThat(names(cache))
                        .as("it recorded nothing, and noted nothing")
                        .noneMatch(n -> n.startsWith("run-"));
                assertThat(failed.stderr())
                        .as("no line of the JVM's about a recording after the error")
                        .doesNotContain("AOTConfiguration");
            }
        }
        try (ServiceProcess ran = start(jar, "http.port=0")) {
            awaitReady(ran);
            assertThat(arguments(ran))
                    .as("the start after a failed one records nothing either, and says when it runs")
                    .anyMatch(a -> a.startsWith("-Dservicekit.aot.ran-marker=" + cache.resolve("run-")))
                    .noneMatch(a -> a.startsWith("-XX:AOTMode") || a.startsWith("-XX:AOTCache"));
            Poll.until(UsersServiceProcessIT.START, "the running service notes that it ran", () -> hasRunNote(cache));
            stop(ran);
            assertThat(ran.stderr()).as("nothing on stderr").isEmpty();
        }

        long recorder;
        try (ServiceProcess first = start(jar, "http.port=0")) {
            awaitReady(first);
            recorder = first.pid();
            assertThat(arguments(first))
                    .as("the start after one that ran records a training run")
                    .contains(
                            "-XX:AOTMode=record",
                            "-XX:AOTConfiguration=" + cache.resolve(key(cache) + "." + recorder + ".aotconf"))
                    .noneMatch(a -> a.startsWith("-XX:SharedArchiveFile"));
            awaitTrainingMarker(cache, recorder);
            stop(first);
            assertThat(first.stdout())
                    .as("stdout, where the service logs, has no line of the JVM's about its recording")
                    .doesNotContain("AOTConfiguration recorded");
            assertThat(first.stderr()).as("the JVM says it on stderr").contains("AOTConfiguration recorded");
        }
        assertThat(cache.resolve(key(cache) + "." + recorder + ".aotconf"))
                .as("the recording the JVM wrote when it stopped")
                .isNotEmptyFile();

        try (ServiceProcess second = start(jar, "http.port=0")) {
            awaitReady(second);
            assertThat(arguments(second))
                    .as("the start that builds runs without any cache")
                    .noneMatch(a -> a.startsWith("-XX:AOT") || a.startsWith("-XX:SharedArchiveFile"));
            awaitBuiltCache(cache);
            stop(second);
        }
        Path aot = cache.resolve(key(cache) + ".aot");
        assertThat(names(cache))
                .as("nothing left of the recording or the build")
                .contains(aot.getFileName().toString())
                .noneMatch(n -> n.contains(".aotconf") || n.endsWith(".part"));

        try (ServiceProcess third = start(jar, "http.port=0")) {
            int management = awaitReady(third);
            assertThat(arguments(third))
                    .contains("-XX:AOTCache=" + aot)
                    .as("only the recording start sends the JVM's output to stderr")
                    .doesNotContain("-XX:+DisplayVMOutputToStderr");
            assertThat(Files.readString(Path.of("/proc", Long.toString(third.pid()), "maps")))
                    .as("the JVM mapped the cache")
                    .contains(aot.toString());
            assertThat(UsersServiceProcessIT.jcmd(third.pid(), "VM.flags"))
                    .as("the JVM took the start options: no replay of the training run's profiles, the shipped"
                            + " C2 thresholds (docs/performance.md)")
                    .contains("-XX:-AOTReplayTraining", "-XX:Tier4InvocationThreshold=25000");
            assertThat(TestHttpClient.create("http://127.0.0.1:" + management)
                            .get("/health/ready")
                            .status())
                    .isEqualTo(200);
            stop(third);
            assertThat(third.stderr()).as("nothing on stderr").isEmpty();
        }

        // The same jar under other JVM options (another instance, a run from a terminal beside the installed
        // service) trains a cache of its own and leaves this one for the next start with the first options.
        String firstKey = aot.getFileName().toString().replace(".aot", "");
        Path otherRecording;
        try (ServiceProcess other = start(jar, "http.port=0", "-Xmx96m")) {
            awaitReady(other);
            assertThat(arguments(other)).contains("-XX:AOTMode=record").noneMatch(a -> a.startsWith("-XX:AOTCache"));
            stop(other);
            otherRecording = names(cache).stream()
                    .filter(n -> n.endsWith("." + other.pid() + ".aotconf"))
                    .map(cache::resolve)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no training run of pid " + other.pid() + " in " + cache));
        }
        assertThat(otherRecording.getFileName().toString()).doesNotStartWith(firstKey);
        assertThat(aot).as("the first options' cache is kept").exists();
        try (ServiceProcess again = start(jar, "http.port=0")) {
            awaitReady(again);
            assertThat(arguments(again))
                    .as("the first options map their cache again: nothing to train")
                    .contains("-XX:AOTCache=" + aot);
            stop(again);
        }
        assertThat(otherRecording)
                .as("the other options' training run, left for their next start")
                .exists();

        // The same jar path, size and time, one entry more: JDK 25 would map the old cache and run its classes.
        rewriteWithAnExtraEntry(jar);
        try (ServiceProcess rebuilt = start(jar, "http.port=0")) {
            awaitReady(rebuilt);
            assertThat(arguments(rebuilt))
                    .as("another build of the jar: it has not run yet")
                    .anyMatch(a -> a.startsWith("-Dservicekit.aot.ran-marker="))
                    .noneMatch(a -> a.startsWith("-XX:AOTMode") || a.startsWith("-XX:AOTCache"));
            assertThat(aot).as("the old jar's cache is deleted").doesNotExist();
            assertThat(otherRecording)
                    .as("and the old jar's training run under the other options")
                    .doesNotExist();
            stop(rebuilt);
        }
    }

    @Test
    void theStartThatMigratesANewDatabaseIsNotTrainedOnSoFlywayStaysOutOfTheCache() throws Exception {
        assumeAotCacheJdk();
        Path jar = Files.copy(UsersServiceProcessIT.JAR, dir.resolve("users-service.jar"));
        Path cache = dir.resolve("cache/servicekit");
        List<String> modes = new ArrayList<>();
        List<String> markers = new ArrayList<>();
        List<String> flywayAtUse = null;
        for (int i = 0; i < 5 && flywayAtUse == null; i++) {
            try (ServiceProcess start = start(jar, "http.port=0")) {
                awaitReady(start);
                List<String> arguments = arguments(start);
                if (arguments.stream().anyMatch(a -> a.startsWith("-Dservicekit.aot.ran-marker="))) {
                    modes.add("ran");
                } else if (arguments.contains("-XX:AOTMode=record")) {
                    modes.add("record");
                    markers.add(Files.readString(awaitTrainingMarker(cache, start.pid())));
                } else if (arguments.stream().anyMatch(a -> a.startsWith("-XX:AOTCache="))) {
                    modes.add("use");
                    flywayAtUse = UsersServiceProcessIT.jcmd(start.pid(), "VM.classes")
                            .lines()
                            .map(line -> line.trim().split("\\s+"))
                            .map(fields -> fields[fields.length - 1])
                            .filter(name -> name.startsWith("org.flywaydb."))
                            .collect(Collectors.toList());
                } else {
                    modes.add("build");
                    awaitBuiltCache(cache);
                }
                stop(start);
            }
        }

        assertThat(flywayAtUse)
                .as(
                        "a start on the migrated database, with the cache: of Flyway only the exception that"
                                + " SqliteUserStore.open catches (the verifier loads it) and its error code (starts: %s)",
                        modes)
                .isNotNull()
                .isSubsetOf("org.flywaydb.core.api.FlywayException", "org.flywaydb.core.api.ErrorCode");
        assertThat(modes)
                .as("the first start, which migrated the new database, recorded nothing; the second recorded")
                .containsExactly("ran", "record", "build", "use");
        assertThat(markers)
                .as("an ordinary start's marker: no one-time work in the training run")
                .containsExactly("");
        assertThat(names(cache)).noneMatch(n -> n.endsWith(".aotconf.skipped"));
    }

    /**
     * The README's {@code java -jar users-service.jar status} on the machine's default java (older than 21): the
     * launcher {@code execve}s the JDK 24+ with a cache of status's own, made as run's is. The JDK is reached through
     * a Java home whose {@code bin/java} writes its command line to a file before it {@code exec}s the real one: a
     * status is over too soon to read its arguments from {@code /proc}.
     */
    @Test
    void statusOnTheDefaultOldJavaRecordsThenBuildsThenUsesACacheOfItsOwnBesideRunsAndAnswersTheSame()
            throws Exception {
        assumeAotCacheJdk();
        Optional<Path> oldJava = Java17LauncherIT.olderJavaHomes(Path.of("/usr/lib/jvm")).stream()
                .findFirst()
                .map(home -> home.resolve("bin/java"));
        Assumptions.assumeTrue(
                oldJava.isPresent(), "needs a Java older than 21 under /usr/lib/jvm, as CI's Debian has");
        Path jar = Files.copy(UsersServiceProcessIT.JAR, dir.resolve("users-service.jar"));
        Path cache = dir.resolve("cache/servicekit");
        Path data = dir.resolve("data");
        Path commandLines = dir.resolve("java-command-lines.txt");
        Path home = loggingJavaHome(Path.of(System.getProperty("java.home")).toRealPath(), commandLines);

        // A first run, which records nothing (it migrates the new database), so that the run beside the statuses
        // records its training run.
        try (ServiceProcess first = viaOldJava(oldJava.get(), home, "run-first")
                .args("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + data)
                .start()) {
            awaitReady(first);
            stop(first);
        }
        try (ServiceProcess run = viaOldJava(oldJava.get(), home, "run")
                .args("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + data)
                .start()) {
            awaitReady(run);
            String runKey = keyOf(cache, "run-");

            ServiceProcess ran = status(oldJava.get(), home, data, "0");
            assertThat(lastCommandLine(commandLines))
                    .as("the first status records nothing, and notes that it answered")
                    .anyMatch(a -> a.startsWith("-Dservicekit.aot.ran-marker=" + cache.resolve("status-")))
                    .noneMatch(a -> a.startsWith("-XX:AOTMode") || a.startsWith("-XX:AOTCache"));
            assertThat(ran.stderr()).as("nothing on stderr").isEmpty();

            ServiceProcess first = status(oldJava.get(), home, data, "1");
            String key = keyOf(cache, "status-");
            assertThat(key.substring(0, key.length() - OPTIONS_DIGITS))
                    .as("the same jar and JDK as the running service's: the same build part under the verb status")
                    .isEqualTo("status" + runKey.substring("run".length(), runKey.length() - OPTIONS_DIGITS));
            assertThat(key)
                    .as(
                            "and its own options part: status adds C1 alone (-XX:TieredStopAtLevel=1) to the shipped options")
                    .isNotEqualTo("status" + runKey.substring("run".length()));
            assertThat(lastCommandLine(commandLines))
                    .contains(
                            "-XX:AOTMode=record",
                            "-XX:AOTConfiguration=" + cache.resolve(key + "." + first.pid() + ".aotconf"));
            assertThat(cache.resolve(key + "." + first.pid() + ".aotconf")).isNotEmptyFile();
            assertThat(cache.resolve(key + "." + first.pid() + ".aotconf.running"))
                    .as("status marked its training run when it had answered")
                    .exists();
            assertThat(first.stdout().strip())
                    .as("stdout: the JSON alone, even on the recording run")
                    .startsWith("{")
                    .endsWith("}")
                    .doesNotContain("AOTConfiguration");
            assertThat(first.stderr().lines())
                    .as("stderr: only the JVM's line about its recording")
                    .singleElement()
                    .satisfies(line -> assertThat(line.strip())
                            .isEqualTo("AOTConfiguration recorded: "
                                    + cache.resolve(key + "." + first.pid() + ".aotconf")));

            ServiceProcess second = status(oldJava.get(), home, data, "2");
            assertThat(lastCommandLine(commandLines))
                    .as("the status that builds runs without any cache")
                    .doesNotContain("-XX:AOT", "-XX:SharedArchiveFile");
            Path aot = cache.resolve(key + ".aot");
            Poll.until(BUILD, "status's AOT cache " + aot + " built in the background", () -> Files.isRegularFile(aot));

            ServiceProcess third = status(oldJava.get(), home, data, "3");
            assertThat(lastCommandLine(commandLines))
                    .contains("-XX:AOTCache=" + aot, "-XX:TieredStopAtLevel=1")
                    .doesNotContain("-XX:AOTMode=record", "-XX:+DisplayVMOutputToStderr");
            assertThat(third.stderr()).as("nothing on stderr").isEmpty();
            assertThat(withoutWhatChangesBetweenTwoStatuses(third.stdout()))
                    .as("the same answer, recording or mapping the cache")
                    .isEqualTo(withoutWhatChangesBetweenTwoStatuses(ran.stdout()))
                    .isEqualTo(withoutWhatChangesBetweenTwoStatuses(first.stdout()))
                    .isEqualTo(withoutWhatChangesBetweenTwoStatuses(second.stdout()));
            assertThat(names(cache))
                    .as("the running service's training run, untouched by the statuses beside it")
                    .contains(runKey + "." + run.pid() + ".aotconf.running");
            stop(run);
            assertThat(cache.resolve(runKey + "." + run.pid() + ".aotconf")).isNotEmptyFile();
            assertThat(aot).as("and status's cache, untouched by run").exists();
        }
    }

    /**
     * {@code java -jar users-service.jar status} with a JDK 25 as the default java: the launcher restarts it in place
     * ({@code execve}, same pid) with status's own AOT cache, as it does from an older java. No service runs (a
     * status that finds none answers 3 and is trained on as well); the JVM's AOT log (one file, so that the key, which
     * covers the options, stays the same) shows the third status mapping the cache.
     */
    @Test
    void statusOnAJdkWithTheAotCacheRestartsInPlaceToRecordBuildAndMapACacheOfItsOwn() throws Exception {
        assumeAotCacheJdk();
        Path jar = Files.copy(UsersServiceProcessIT.JAR, dir.resolve("users-service.jar"));
        Path cache = dir.resolve("cache/servicekit");
        Path aotLog = dir.resolve("aot.log");

        ServiceProcess ran = statusHere(jar, aotLog, "0");
        assertThat(names(cache))
                .as("the first status recorded nothing and noted that it answered")
                .anyMatch(n -> n.startsWith("status-") && n.endsWith(".ran"))
                .noneMatch(n -> n.endsWith(".aotconf"));
        ServiceProcess first = statusHere(jar, aotLog, "1");
        String key = keyOf(cache, "status-");
        assertThat(cache.resolve(key + "." + first.pid() + ".aotconf"))
                .as("the status JVM, restarted in place (same pid), recorded its training run")
                .isNotEmptyFile();
        assertThat(first.stdout()).contains("users-service: not running");

        ServiceProcess second = statusHere(jar, aotLog, "2");
        Path aot = cache.resolve(key + ".aot");
        Poll.until(BUILD, "status's AOT cache " + aot + " built in the background", () -> Files.isRegularFile(aot));

        ServiceProcess third = statusHere(jar, aotLog, "3");
        assertThat(Files.readString(aotLog)).as("the third status's JVM log").contains("Opened AOT cache " + aot + ".");
        assertThat(third.stderr()).as("nothing on stderr").isEmpty();
        assertThat(third.stdout())
                .as("the same answer, recording or mapping the cache")
                .isEqualTo(ran.stdout())
                .isEqualTo(first.stdout())
                .isEqualTo(second.stdout());
    }

    /** {@code status} by this JDK's java with its AOT log in {@code aotLog}, done: no service runs, so exit 3. */
    private ServiceProcess statusHere(Path jar, Path aotLog, String name) {
        ServiceProcess status = ServiceProcess.builder(jar, dir)
                .jvmOptions("-Xlog:aot=info:file=" + aotLog + "::filecount=0")
                .outputName("status-here-" + name)
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString())
                .args("status", "--set", "data-dir=" + dir.resolve("data"))
                .start();
        assertThat(status.awaitExit(Duration.ofMinutes(2))).as(status.output()).isEqualTo(3);
        status.close();
        return status;
    }

    /** {@code status --json} by the old java, done; its output files are named after {@code name}. */
    private ServiceProcess status(Path oldJava, Path home, Path data, String name) {
        ServiceProcess status = viaOldJava(oldJava, home, "status-" + name)
                .args("status", "--json", "--set", "data-dir=" + data)
                .start();
        assertThat(status.awaitExit(Duration.ofMinutes(2))).as(status.output()).isZero();
        status.close();
        return status;
    }

    private ServiceProcess.Builder viaOldJava(Path oldJava, Path home, String outputName) {
        return ServiceProcess.builder(dir.resolve("users-service.jar"), dir)
                .java(oldJava)
                .outputName(outputName)
                .environment("JAVA_HOME", home.toString())
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString());
    }

    /** A Java home of {@code real}'s files whose {@code bin/java} appends its arguments to {@code log}, a line each. */
    private Path loggingJavaHome(Path real, Path log) throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk/bin")).getParent();
        Files.createSymbolicLink(home.resolve("release"), real.resolve("release"));
        Files.createSymbolicLink(home.resolve("lib"), real.resolve("lib"));
        Path java = Files.writeString(
                home.resolve("bin/java"),
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\nexec '" + real.resolve("bin/java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** The last JVM command line but the AOT cache builds' ({@code -XX:AOTMode=create}), split at spaces. */
    private static List<String> lastCommandLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log).stream()
                .filter(line -> !line.contains("-XX:AOTMode=create"))
                .collect(Collectors.toList());
        assertThat(lines).as("command lines in %s", log).isNotEmpty();
        return List.of(lines.get(lines.size() - 1).split(" "));
    }

    /** A status's JSON without the running service's uptime and JVM figures. */
    private static String withoutWhatChangesBetweenTwoStatuses(String json) throws IOException {
        ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(json);
        ObjectNode application = (ObjectNode) tree.get("application");
        assertThat(application).as("the application's view in %s", json).isNotNull();
        application.remove(List.of("uptimeSeconds", "jvm"));
        return tree.toString();
    }

    @Test
    void aStartDeletesOtherJarsStartupFilesLeftUnusedOrDeadAndKeepsRecentOnes() throws Exception {
        Path jar = Files.copy(UsersServiceProcessIT.JAR, dir.resolve("users-service.jar"));
        Path cache = Files.createDirectories(dir.resolve("cache/servicekit"));
        long day = Duration.ofDays(1).toMillis();
        // What other checkouts and copies of the jar leave behind.
        Path unusedCache = Files.write(cache.resolve("run-1234abcd-5678.aot"), new byte[] {1});
        Files.setLastModifiedTime(unusedCache, FileTime.fromMillis(System.currentTimeMillis() - 31 * day));
        Path unusedArchive = Files.write(cache.resolve("token-1234abcd-9abc.jsa"), new byte[] {1});
        Files.setLastModifiedTime(unusedArchive, FileTime.fromMillis(System.currentTimeMillis() - 31 * day));
        Path killedRecording = Files.write(cache.resolve("run-2345bcde-6789.999999999.aotconf"), new byte[0]);
        Path recentCache = Files.write(cache.resolve("run-3456cdef-789a.aot"), new byte[] {1});
        Path notOurs = Files.write(cache.resolve("notes.txt"), new byte[] {1});
        Files.setLastModifiedTime(notOurs, FileTime.fromMillis(System.currentTimeMillis() - 400 * day));

        // A start while another start of this jar runs without a cache runs without one too (and sweeps).
        try (ServiceProcess recording = start(jar, "http.port=0");
                ServerSocket taken = new ServerSocket(0)) {
            awaitReady(recording);
            try (ServiceProcess failed = start(jar, "http.port=" + taken.getLocalPort())) {
                assertThat(failed.awaitExit(UsersServiceProcessIT.START)).isNotZero();
                assertThat(failed.stderr())
                        .as("it failed for the port in use, not in the launcher")
                        .doesNotContain("Exception in thread");
            }
            stop(recording);
        }

        assertThat(unusedCache).as("an AOT cache unused for 31 days").doesNotExist();
        assertThat(unusedArchive).as("a class-data archive unused for 31 days").doesNotExist();
        assertThat(killedRecording)
                .as("a recording whose JVM died before it was running")
                .doesNotExist();
        assertThat(recentCache).as("another jar's cache used recently").exists();
        assertThat(notOurs).as("a file the launcher did not name").exists();
    }

    private static void assumeAotCacheJdk() {
        Assumptions.assumeTrue(
                Runtime.version().feature() >= 24,
                "the AOT cache needs JDK 24+ and the tests run on " + Runtime.version());
    }

    /** Waits until the running service of {@code pid} has created its training run's marker; returns it. */
    private static Path awaitTrainingMarker(Path cache, long pid) throws IOException {
        Path marker = cache.resolve(key(cache) + "." + pid + ".aotconf.running");
        Poll.until(
                UsersServiceProcessIT.START,
                "the running service marks its training run with " + marker,
                () -> Files.exists(marker),
                b -> b);
        return marker;
    }

    /** Waits until the background build has renamed its output to the cache. */
    private static void awaitBuiltCache(Path cache) throws IOException {
        Path built = cache.resolve(key(cache) + ".aot");
        Poll.until(
                BUILD, "the AOT cache " + built + " built in the background", () -> Files.isRegularFile(built), b -> b);
    }

    private ServiceProcess start(Path jar, String port, String... jvmOptions) {
        return ServiceProcess.builder(jar, dir)
                .jvmOptions(jvmOptions)
                .environment("XDG_CACHE_HOME", dir.resolve("cache").toString())
                .args("run", "--set", port, "--set", "management.port=0")
                .start();
    }

    private static int awaitReady(ServiceProcess service) {
        return Integer.parseInt(service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START)
                .group(1));
    }

    private static void stop(ServiceProcess service) {
        service.signal("TERM");
        assertThat(service.awaitExit(Duration.ofMinutes(2)))
                .as(service.output())
                .isZero();
    }

    private static List<String> arguments(ServiceProcess service) {
        Optional<String[]> arguments =
                ProcessHandle.of(service.pid()).flatMap(p -> p.info().arguments());
        assertThat(arguments)
                .as("the arguments of running pid %d", service.pid())
                .isPresent();
        return List.of(arguments.get());
    }

    /** The key of the one jar and options in use: the prefix of the cache files' names, up to the first dot. */
    private static String key(Path cache) throws IOException {
        return keyOf(cache, "run-");
    }

    /** The key of the one jar and options in use for a verb: of the files whose names start with {@code prefix}. */
    private static String keyOf(Path cache, String prefix) throws IOException {
        return names(cache).stream()
                .filter(n -> n.startsWith(prefix) && !n.endsWith(".ran")) // a note is named without the options
                .map(n -> n.substring(0, n.indexOf('.')))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + "* file in " + cache));
    }

    /** Whether a start of {@code run} has noted in {@code cache} that it ran the service. */
    private static boolean hasRunNote(Path cache) {
        try (Stream<Path> files = Files.list(cache)) {
            return files.map(f -> f.getFileName().toString()).anyMatch(n -> n.startsWith("run-") && n.endsWith(".ran"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static void rewriteWithAnExtraEntry(Path jar) throws IOException {
        FileTime time = Files.getLastModifiedTime(jar);
        Path copy = jar.resolveSibling("rewritten.jar");
        try (ZipFile in = new ZipFile(jar.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(copy))) {
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream data = in.getInputStream(entry)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("META-INF/servicekit-test-extra.txt"));
            out.write('x');
            out.closeEntry();
        }
        Files.move(copy, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(jar, time);
    }
}
