package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.WineFault;
import dev.servicekit.testing.WineSessionHolder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Windows download {@code ./mvnw package} builds (src/assembly/windows.xml): what the zip holds, and its
 * {@code users-service.cmd} launcher's Java discovery run by Wine's real {@code cmd.exe} with the Windows JRE CI has
 * (a Java 17: npm {@code @node-plantuml-2/jre-win32-x64@1.1.8}, {@code SERVICEKIT_WINDOWS_JRE}; see .ci/run). The
 * Java 17 must be refused with one line naming Java 21, found through {@code JAVA_HOME}, the {@code PATH} and the
 * registry. There is no Windows Java 21 to be had here; the accepting branch runs a real {@code java.exe} (the 17)
 * in a Java home whose {@code release} file says 21, with a probe jar in place of users-service.jar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WindowsZipIT {

    static final Path ZIP = Path.of(
            System.getProperty("users-service.windows-zip", "target/users-service-" + version() + "-windows.zip"));
    static final String NEEDS = "users-service needs Java 21 or newer; found ";
    static final String INSTALL = ". Install a Java 21+, e.g. winget install EclipseAdoptium.Temurin.21.JRE or"
            + " https://adoptium.net, or set JAVA_HOME to one.";

    private Path work;
    private Path prefix;
    private Path jre;
    private String skipWine;
    private WineSessionHolder holder;

    @BeforeAll
    void prepare() throws Exception {
        work = Path.of("target", "windows-zip-it").toAbsolutePath();
        prefix = work.resolve("wineprefix");
        String jreDir = Optional.ofNullable(System.getProperty("servicekit.windowsJre"))
                .orElse(System.getenv("SERVICEKIT_WINDOWS_JRE"));
        skipWine = wineOnPath().isEmpty()
                ? "no `wine` on the PATH (apt-get install wine wine64 libwine)"
                : jreDir == null || !Files.exists(Path.of(jreDir, "bin", "java.exe"))
                        ? "no Windows JRE; set -Dservicekit.windowsJre or SERVICEKIT_WINDOWS_JRE to the jre directory"
                                + " of npm @node-plantuml-2/jre-win32-x64@1.1.8 (was: " + jreDir + ")"
                        : null;
        if (skipWine != null && "true".equals(System.getenv("CI"))) {
            // .ci/run installs Wine and fetches the JRE: on CI a missing one is a broken build, not a reason to skip.
            throw new AssertionError("WindowsZipIT cannot run its Wine tests on CI: " + skipWine);
        }
        if (skipWine != null) {
            System.out.println("WindowsZipIT: the users-service.cmd tests under Wine are skipped: " + skipWine);
            return;
        }
        jre = Path.of(jreDir).toAbsolutePath();
        Files.createDirectories(work);
        if (!Files.exists(prefix.resolve("system.reg"))) {
            Result boot = wine(Map.of(), 120, "wineboot", "-i");
            wine(Map.of(), 60, "wineserver", "-w"); // the registry files are written when the session ends
            assertThat(prefix.resolve("system.reg")).as("wineboot -i: %s", boot).exists();
        }
        unzip(ZIP, prefix.resolve("drive_c"));
        // one live session for the whole class: a wine command started while a session winds down may not start
        holder = WineSessionHolder.start(
                env -> WineSessionHolder.environment(env, prefix, "-all"),
                work.resolve("holder.out"),
                work.resolve("holder.err"));
    }

    @AfterAll
    void endWine() throws Exception {
        if (skipWine == null) {
            if (holder != null) {
                holder.close();
            }
            wine(Map.of(), 30, "wineserver", "-k"); // only this class uses the prefix
        }
    }

    @Test
    void theZipHoldsTheShadedJarTheLauncherScriptAndTheReadme() throws Exception {
        String base = "users-service-" + version() + "/";
        try (ZipFile zip = new ZipFile(ZIP.toFile())) {
            List<String> files = new ArrayList<>();
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (!e.isDirectory()) {
                    files.add(e.getName());
                }
            }
            assertThat(files)
                    .containsExactlyInAnyOrder(
                            base + "users-service.jar", base + "users-service.cmd", base + "README-windows.txt");

            try (JarInputStream jar =
                    new JarInputStream(zip.getInputStream(zip.getEntry(base + "users-service.jar")))) {
                Attributes main = jar.getManifest().getMainAttributes();
                assertThat(main.getValue(Attributes.Name.MAIN_CLASS)).isEqualTo("dev.servicekit.launcher.Launcher");
                assertThat(main.getValue("Servicekit-Main-Class")).isEqualTo("dev.servicekit.users.UsersServiceMain");
                assertThat(main.getValue("Implementation-Version")).isEqualTo(version());
                List<String> classes = new ArrayList<>();
                for (JarEntry e = jar.getNextJarEntry(); e != null; e = jar.getNextJarEntry()) {
                    classes.add(e.getName());
                }
                assertThat(classes)
                        .as("shaded: the application, the launcher and the dependencies in one jar")
                        .contains(
                                "dev/servicekit/users/UsersServiceMain.class",
                                "dev/servicekit/launcher/Launcher.class",
                                "dev/servicekit/windows/ScmServiceRunner.class",
                                "org/sqlite/JDBC.class",
                                "com/fasterxml/jackson/databind/ObjectMapper.class");
            }

            String cmd = text(zip, base + "users-service.cmd");
            assertThat(cmd).startsWith("@echo off\r\n").contains("-jar \"%SK_JAR%\" %*");
            assertThat(cmd.replace("\r\n", "")).as("CRLF line ends only").doesNotContain("\n");
            String readme = text(zip, base + "README-windows.txt");
            assertThat(readme)
                    .startsWith("users-service " + version() + " for Windows\r\n")
                    .contains("Java 21 or newer", "users-service.cmd install", "docs/windows.md");
            assertThat(readme.replace("\r\n", "")).doesNotContain("\n");
        }
    }

    @Test
    void aJava17InJavaHomeIsRefusedNamingJava21() throws Exception {
        skipWithoutWine();
        Result r = usersServiceCmd(Map.of("JAVA_HOME", windowsPath(jre)), "version");

        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout).as(r.toString()).isEmpty();
        assertThat(r.stderr)
                .isEqualTo(NEEDS + "Java 17.0.17 from JAVA_HOME at " + windowsPath(jre.resolve("bin/java.exe"))
                        + INSTALL + "\r\n");
    }

    @Test
    void aJava17OnThePathIsRefusedNamingJava21() throws Exception {
        skipWithoutWine();
        Result r = usersServiceCmd(Map.of("WINEPATH", windowsPath(jre.resolve("bin"))), "version");

        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout).as(r.toString()).isEmpty();
        assertThat(r.stderr)
                .isEqualTo(NEEDS + "Java 17.0.17 from PATH at " + windowsPath(jre.resolve("bin/java.exe")) + INSTALL
                        + "\r\n");
    }

    @Test
    void aJava17InTheRegistryIsRefusedNamingJava21AndAJavaHomeWithoutJavaExeIsNamed() throws Exception {
        skipWithoutWine();
        String home = windowsPath(jre);
        String adoptium = "HKLM\\SOFTWARE\\Eclipse Adoptium\\JRE\\17.0.17.10\\hotspot\\MSI";
        reg("add", "HKLM\\SOFTWARE\\JavaSoft\\JDK", "/v", "CurrentVersion", "/d", "17", "/f");
        reg("add", "HKLM\\SOFTWARE\\JavaSoft\\JDK\\17", "/v", "JavaHome", "/d", home, "/f");
        reg("add", adoptium, "/v", "Path", "/d", home + "\\", "/f"); // the MSI writes it with a trailing \
        try {
            Result r = usersServiceCmd(Map.of("JAVA_HOME", "C:\\no-such-jdk"), "version");

            String exe = windowsPath(jre.resolve("bin/java.exe"));
            assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
            assertThat(r.stdout).as(r.toString()).isEmpty();
            assertThat(r.stderr)
                    .as("each java.exe named once, though the registry lists it three times")
                    .isEqualTo(NEEDS + "JAVA_HOME C:\\no-such-jdk without bin\\java.exe; Java 17.0.17 from registry"
                            + " JavaSoft\\JDK\\17 at " + exe + INSTALL + "\r\n");
        } finally {
            reg("delete", "HKLM\\SOFTWARE\\JavaSoft", "/f");
            reg("delete", "HKLM\\SOFTWARE\\Eclipse Adoptium", "/f");
        }
    }

    @Test
    void withoutAReleaseFileTheVersionIsWhatJavaDashVersionPrints() throws Exception {
        skipWithoutWine();
        Path noRelease = javaHomeLinkedToTheJre("java-17-without-release");

        Result r = usersServiceCmd(Map.of("JAVA_HOME", windowsPath(noRelease)), "version");

        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr)
                .isEqualTo(NEEDS + "Java 17.0.17 from JAVA_HOME at " + windowsPath(noRelease.resolve("bin/java.exe"))
                        + INSTALL + "\r\n");
    }

    @Test
    void aJava17InProgramFilesJavaIsRefusedNamingJava21() throws Exception {
        skipWithoutWine();
        Path programFilesJava = prefix.resolve("drive_c/Program Files/Java");
        Path jdk17 = programFilesJava.resolve("jdk-17");
        Files.createDirectories(jdk17);
        Files.createDirectories(programFilesJava.resolve("not-a-jdk"));
        for (String dir : List.of("bin", "conf", "lib", "legal")) {
            Files.deleteIfExists(jdk17.resolve(dir));
            Files.createSymbolicLink(jdk17.resolve(dir), jre.resolve(dir));
        }
        Files.copy(jre.resolve("release"), jdk17.resolve("release"), StandardCopyOption.REPLACE_EXISTING);
        try {
            Result r = usersServiceCmd(Map.of(), "version");

            assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr)
                    .isEqualTo(NEEDS + "Java 17.0.17 from C:\\Program Files\\Java at C:\\Program Files\\Java\\jdk-17"
                            + "\\bin\\java.exe" + INSTALL + "\r\n");
        } finally {
            for (String dir : List.of("bin", "conf", "lib", "legal")) {
                Files.deleteIfExists(jdk17.resolve(dir));
            }
            Files.deleteIfExists(jdk17.resolve("release"));
            Files.deleteIfExists(jdk17);
            Files.deleteIfExists(programFilesJava.resolve("not-a-jdk"));
        }
    }

    @Test
    void withNoJavaAnywhereItSaysSo() throws Exception {
        skipWithoutWine();
        Result r = usersServiceCmd(Map.of(), "version");

        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr)
                .isEqualTo(NEEDS + "no Java in JAVA_HOME, on the PATH, in the registry or in the usual folders"
                        + INSTALL + "\r\n");
    }

    /**
     * The accepting branch: a Java home whose {@code release} says 21 (the JRE's directories linked in, so its
     * {@code java.exe} is a real one) is taken; the jar next to the script runs on it with the arguments, and its
     * exit code is the script's. The probe jar stands in for users-service.jar (which would need a real Java 21).
     */
    @Test
    void aJava21HomeRunsTheJarNextToTheScriptWithTheArgumentsAndItsExitCode() throws Exception {
        skipWithoutWine();
        Path fake21 = javaHomeLinkedToTheJre("fake-java-21");
        Files.writeString(fake21.resolve("release"), "JAVA_VERSION=\"21.0.5\"\nIMPLEMENTOR=\"test\"\n");
        Path probeDir = prefix.resolve("drive_c/probe");
        Files.createDirectories(probeDir);
        Files.copy(
                prefix.resolve("drive_c/users-service-" + version() + "/users-service.cmd"),
                probeDir.resolve("probe.cmd"),
                StandardCopyOption.REPLACE_EXISTING);
        probeJar(probeDir.resolve("probe.jar"));

        Result r = wine(
                Map.of("JAVA_HOME", windowsPath(fake21)),
                60,
                "wine",
                "cmd",
                "/c",
                "C:\\probe\\probe.cmd",
                "one",
                "two!",
                "th ree");

        assertThat(r.exitCode).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout.replace("\r", ""))
                .isEqualTo(
                        "java.home=" + windowsPath(fake21) + "\njar=C:\\probe\\probe.jar\nargs=[one, two!, th ree]\n");
        assertThat(r.stderr).as(r.toString()).isEmpty();
    }

    // ---- helpers

    /** A Java home of links to the Windows JRE's directories, without its release file. */
    private Path javaHomeLinkedToTheJre(String name) throws IOException {
        skipWithoutWine();
        Path home = work.resolve(name);
        Files.createDirectories(home);
        for (String dir : List.of("bin", "conf", "lib", "legal")) {
            Path link = home.resolve(dir);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, jre.resolve(dir));
        }
        return home;
    }

    record Result(int exitCode, String stdout, String stderr) {}

    private Result usersServiceCmd(Map<String, String> env, String... args) throws Exception {
        skipWithoutWine();
        List<String> command =
                new ArrayList<>(List.of("wine", "cmd", "/c", "C:\\users-service-" + version() + "\\users-service.cmd"));
        command.addAll(List.of(args));
        return wine(env, 60, command.toArray(new String[0]));
    }

    private void reg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("wine", "reg"));
        command.addAll(List.of(args));
        Result r = wine(Map.of(), 60, command.toArray(new String[0]));
        assertThat(r.exitCode).as("wine reg %s: %s", String.join(" ", args), r).isZero();
    }

    private void skipWithoutWine() {
        assumeTrue(skipWine == null, () -> "users-service.cmd under Wine skipped: " + skipWine);
    }

    /**
     * Runs a Wine command in this class's prefix, with no JAVA_HOME unless given (Maven's would leak in); once more
     * when Wine reports that the command crashed or did not start ({@link WineFault}).
     */
    private Result wine(Map<String, String> env, int timeoutSeconds, String... command) throws Exception {
        return WineFault.runAgainOnce(
                String.join(" ", command), () -> wineOnce(env, timeoutSeconds, command), r -> r.stdout() + r.stderr());
    }

    private Result wineOnce(Map<String, String> env, int timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        skipWithoutWine();
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> environment = pb.environment();
        environment.remove("JAVA_HOME");
        WineSessionHolder.environment(environment, prefix, "-all");
        environment.putAll(new HashMap<>(env));
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        pb.redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.ISO_8859_1),
                    Files.readString(err, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@code Z:\...}: Wine's drive for the Unix root. */
    static String windowsPath(Path path) {
        return "Z:" + path.toAbsolutePath().toString().replace('/', '\\');
    }

    static Optional<Path> wineOnPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path wine = Path.of(dir, "wine");
            if (Files.isExecutable(wine)) {
                return Optional.of(wine);
            }
        }
        return Optional.empty();
    }

    static String version() {
        return System.getProperty("project.version", "0.1.0-SNAPSHOT");
    }

    private static String text(ZipFile zip, String name) throws IOException {
        try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> entries = z.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                Path target = into.resolve(e.getName()).normalize();
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = z.getInputStream(e)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** A jar (Java 17 bytecode) printing its java.home, its own path and its arguments, exiting with 3. */
    private void probeJar(Path jar) throws IOException {
        Path src = work.resolve("probe-src/Probe.java");
        Path classes = work.resolve("probe-classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, """
                public class Probe {
                    public static void main(String[] args) throws Exception {
                        System.out.println("java.home=" + System.getProperty("java.home"));
                        System.out.println("jar=" + new java.io.File(Probe.class.getProtectionDomain()
                                .getCodeSource().getLocation().toURI()).getPath());
                        System.out.println("args=" + java.util.Arrays.toString(args));
                        System.exit(3);
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "17", "-d", classes.toString(), src.toString());
        assertThat(rc).as("javac Probe.java").isZero();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Probe");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            jarOut.putNextEntry(new JarEntry("Probe.class"));
            jarOut.write(Files.readAllBytes(classes.resolve("Probe.class")));
            jarOut.closeEntry();
        }
    }
}
