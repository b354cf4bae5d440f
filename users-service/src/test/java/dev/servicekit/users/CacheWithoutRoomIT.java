package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.BoundedProcess;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's cache directory ({@code XDG_CACHE_HOME}) on a file system without room for the startup files the JVM
 * writes at exit: an 8 MiB tmpfs with 2 MiB left, in the commands' own private mount namespace ({@link PrivateMounts}).
 * A class-data archive (7 MB and more) or an AOT training run (about 50 MB) would not fit, and a JVM that fails to
 * write one at exit exits with 1 and prints "Error occurred during initialization of VM"; the launcher asks for
 * neither there, so every command keeps its own exit status and output. Real JVMs, the README's java 17 for the
 * short verbs (where the launcher gives them an archive) and the build's JDK for {@code run} (its AOT cache).
 */
class CacheWithoutRoomIT {

    /** What JDK 25 prints when it cannot write its archive or its recording at exit. */
    static final String VM_ERROR = "Error occurred during initialization of VM";

    @TempDir
    Path dir;

    /** Every test here mounts a file system of its own in a private mount namespace ({@link PrivateMounts}). */
    @BeforeEach
    void privateMountsArePermitted() {
        Optional<String> unavailable = PrivateMounts.unavailable(dir);
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElseThrow());
    }

    @Test
    void shortVerbsOnTheReadmesJavaKeepTheirExitStatusAndOutputWhereNoArchiveFits() throws Exception {
        Optional<Path> oldJavaHome = Java17LauncherIT.olderJavaHomes(Path.of("/usr/lib/jvm")).stream()
                .findFirst();
        assumeTrue(oldJavaHome.isPresent(), "needs a Java older than 21 under /usr/lib/jvm, as CI's Debian has");
        Path cache = Files.createDirectories(dir.resolve("cache"));
        List<List<String>> commands = List.of(
                List.of("config", "show"),
                List.of("config", "show"),
                List.of("token", "issue", "--subject", "a", "--scope", "users:read"),
                List.of("token", "issue", "--subject", "a", "--scope", "users:read"),
                List.of("status"),
                List.of("status"),
                List.of("status"));
        StringBuilder script = new StringBuilder("#!/bin/sh\n")
                .append(mountWithTwoMegabytesLeft())
                .append("cd \"$DIR\"\n");
        for (int i = 0; i < commands.size(); i++) {
            script.append("\"$JAVA\" -jar \"$JAR\" ")
                    .append(String.join(" ", commands.get(i)))
                    .append(" > out.")
                    .append(i)
                    .append(" 2> err.")
                    .append(i)
                    .append("; echo $? > code.")
                    .append(i)
                    .append('\n');
        }
        script.append("df -k --output=avail \"$CACHE\" | tail -1 > free\n")
                .append("ls -1A \"$CACHE/servicekit\" > listing\n");
        Path file = executable(dir.resolve("commands.sh"), script.toString());

        ProcessBuilder builder = new ProcessBuilder(
                        PrivateMounts.UNSHARE.toString(), "-m", "--propagation", "private", file.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("script.out").toFile());
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK 21+ the launcher becomes
        builder.environment().put("JAVA", oldJavaHome.get().resolve("bin/java").toString());
        builder.environment()
                .put("JAR", UsersServiceProcessIT.JAR.toAbsolutePath().toString());
        builder.environment().put("DIR", dir.toString());
        builder.environment().put("CACHE", cache.toString());
        builder.environment().put("XDG_CACHE_HOME", cache.toString());
        Process process = builder.start();
        int exit = BoundedProcess.awaitExit(process, Duration.ofMinutes(3), file.toString(), dir.resolve("script.out"));
        assertThat(exit).as(read(dir.resolve("script.out"))).isZero();

        long freeKib = Long.parseLong(read(dir.resolve("free")).strip());
        assertThat(freeKib * 1024)
                .as("the cache's file system had room for the launcher's libraries but not for an archive")
                .isBetween(1L << 20, 3L << 20);
        for (int i = 0; i < commands.size(); i++) {
            String command = String.join(" ", commands.get(i));
            String out = read(dir.resolve("out." + i));
            String err = read(dir.resolve("err." + i));
            int code = Integer.parseInt(read(dir.resolve("code." + i)).strip());
            String what = command + " (run " + i + "): exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
            assertThat(out).as(what).doesNotContain(VM_ERROR);
            assertThat(err).as(what).isEmpty();
            switch (commands.get(i).get(0)) {
                case "config" -> {
                    assertThat(code).as(what).isZero();
                    assertThat(out).as(what).contains("http:").contains("store:");
                }
                case "token" -> {
                    assertThat(code).as(what).isZero();
                    assertThat(out.strip()).as(what).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
                }
                default -> {
                    assertThat(code).as(what + "\n(3: not running)").isEqualTo(3);
                    assertThat(out).as(what).contains("not running");
                }
            }
        }
        assertThat(read(dir.resolve("listing")).lines())
                .as("no archive, recording or cache was started in the cache directory")
                .noneMatch(name -> name.endsWith(".jsa") || name.contains(".aot"));
    }

    @Test
    void runStopsWithStatusZeroWhereItsTrainingRunWouldNotFit() throws Exception {
        assumeTrue(Runtime.version().feature() >= 24, "the AOT cache needs JDK 24+; the tests run on a JDK 21");
        Path jar = Files.copy(UsersServiceProcessIT.JAR, dir.resolve("users-service.jar"));

        // A start that ran the service, with room: the next start of the jar would record a training run.
        Path roomy = dir.resolve("roomy");
        try (ServiceProcess first = start(jar, Path.of(System.getProperty("java.home"), "bin", "java"), roomy)) {
            first.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START);
            Poll.until(
                    UsersServiceProcessIT.START,
                    "the running service notes that it ran",
                    () -> runNote(roomy).isPresent());
            first.signal("TERM");
            assertThat(first.awaitExit(UsersServiceProcessIT.START))
                    .as(first.output())
                    .isZero();
        }
        Path note = runNote(roomy).orElseThrow();

        // The same start with that note in a cache directory that has no room for the recording.
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path java = executable(
                dir.resolve("java-without-room"),
                "#!/bin/sh\n" + "exec " + PrivateMounts.UNSHARE + " -m --propagation private sh -c '"
                        + mountWithTwoMegabytesLeft().replace("'", "")
                        + "mkdir -p \"$CACHE/servicekit\" && cp \"$NOTE\" \"$CACHE/servicekit/\" && exec \"$@\"' sh "
                        + Path.of(System.getProperty("java.home"), "bin", "java") + " \"$@\"\n");
        try (ServiceProcess second = ServiceProcess.builder(jar, dir)
                .java(java)
                .environment("XDG_CACHE_HOME", cache.toString())
                .environment("CACHE", cache.toString())
                .environment("NOTE", note.toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .outputName("-without-room")
                .start()) {
            second.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START);
            List<String> arguments = List.of(ProcessHandle.of(second.pid())
                    .orElseThrow()
                    .info()
                    .arguments()
                    .orElseThrow());
            Path seenNote = PrivateMounts.seenBy(
                    second.pid(), cache.resolve("servicekit").resolve(note.getFileName()));
            assertThat(seenNote)
                    .as("the note is there in the service's own namespace")
                    .exists();
            second.signal("TERM");
            assertThat(second.awaitExit(UsersServiceProcessIT.START))
                    .as("SIGTERM's graceful stop is exit 0\n" + second.output())
                    .isZero();
            assertThat(second.output()).doesNotContain(VM_ERROR).doesNotContain("AOTConfiguration");
            assertThat(arguments)
                    .as("no training run was recorded where it would not fit")
                    .noneMatch(a -> a.startsWith("-XX:AOTMode") || a.startsWith("-XX:AOTConfiguration"));
        }
    }

    /**
     * An installed service's archive ({@code -XX:SharedArchiveFile} with {@code -XX:+AutoCreateSharedArchive} on its
     * command line, which the launcher does not choose) in a read-only directory: the JVM will fail to write it when
     * the service stops, which the service cannot prevent, so it says so at its start, naming the file and the fix.
     */
    @Test
    void aServiceWhoseArchiveCannotBeWrittenAtItsStopSaysSoWhenItStarts() throws Exception {
        Path archives = Files.createDirectories(dir.resolve("archives"));
        Path archive = archives.resolve("users-service.jsa");
        Path java = executable(
                dir.resolve("java-read-only-archives"),
                "#!/bin/sh\n" + "exec " + PrivateMounts.UNSHARE + " -m --propagation private sh -c '"
                        + "mount -t tmpfs -o size=1m tmpfs \"$ARCHIVES\" && mount -o remount,ro \"$ARCHIVES\""
                        + " && exec \"$@\"' sh " + Path.of(System.getProperty("java.home"), "bin", "java")
                        + " \"$@\"\n");
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .java(java)
                .jvmOptions(
                        "-Dservicekit.jvm-options=shipped", // as install writes: the launcher starts no other JVM
                        "-XX:SharedArchiveFile=" + archive,
                        "-XX:+AutoCreateSharedArchive")
                .environment("ARCHIVES", archives.toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .outputName("-read-only-archive")
                .start()) {
            service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START);
            String warning = service.awaitOutput(
                            Pattern.compile("WARN .*class-data archive when it stops, and cannot: .*"),
                            UsersServiceProcessIT.START)
                    .group();
            assertThat(warning)
                    .as("the file, why, what the JVM will do and the fix")
                    .contains(archive + ": " + archives + " is not writable by this process")
                    .contains("exit status 1")
                    .contains("free space there, or take -XX:SharedArchiveFile and -XX:+AutoCreateSharedArchive out");
            service.signal("TERM");
            service.awaitExit(UsersServiceProcessIT.START); // its status is the JDK's to give (decisions.md)
        }
    }

    /**
     * The shell lines that mount an 8 MiB tmpfs on {@code $CACHE} and fill 6 MiB of it: room for the launcher's
     * native libraries (its {@code execve} library, sqlite-jdbc's), none for an archive or a recording.
     */
    private static String mountWithTwoMegabytesLeft() {
        return "mount -t tmpfs -o size=8m tmpfs \"$CACHE\" || exit 90\n"
                + "dd if=/dev/zero of=\"$CACHE/filler\" bs=1M count=6 2>/dev/null || exit 91\n";
    }

    private ServiceProcess start(Path jar, Path java, Path cache) {
        return ServiceProcess.builder(jar, dir)
                .java(java)
                .environment("XDG_CACHE_HOME", cache.toString())
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .start();
    }

    /** The {@code run-….ran} note in {@code cache}'s launcher directory, once there is one. */
    private static Optional<Path> runNote(Path cache) {
        Path servicekit = cache.resolve("servicekit");
        if (!Files.isDirectory(servicekit)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(servicekit)) {
            return files.filter(f -> {
                        String name = f.getFileName().toString();
                        return name.startsWith("run-") && name.endsWith(".ran");
                    })
                    .findFirst();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path executable(Path file, String script) throws IOException {
        Files.writeString(file, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
