package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.BoundedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmCommandLineTest {

    private static final Map<String, String> NO_VARIABLES = Map.of();

    @TempDir
    static Path dir;

    private static Path probeJar;

    // --- what the parser reads, and what it leaves to the JVM ---

    @Test
    void theReadmesCommandHasNoOptions() {
        assertThat(JvmCommandLine.options(cmdline("java", "-jar", "app.jar", "run"), NO_VARIABLES))
                .isEmpty();
    }

    @Test
    void optionsBeforeTheJarAreReadWordForWordAndTheApplicationsArgumentsAreNot() {
        List<String> options = JvmCommandLine.options(
                cmdline(
                        "/usr/lib/jvm/java-17/bin/java",
                        "-Xmx64m",
                        "-Dname=a b=c",
                        "-XX:+UseSerialGC",
                        "-ea",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "-jar",
                        "app.jar",
                        "run",
                        "-cp",
                        "@file",
                        "-Xmx1g"),
                NO_VARIABLES);

        assertThat(options)
                .containsExactly(
                        "-Xmx64m",
                        "-Dname=a b=c",
                        "-XX:+UseSerialGC",
                        "-ea",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED");
    }

    @Test
    void aWordTheJavaLauncherInterpretsLeavesTheOptionsToTheJvm() {
        for (String word : List.of(
                "-cp",
                "-classpath",
                "--class-path",
                "@options.txt",
                "--add-exports", // the value is the next word
                "-showversion",
                "-XshowSettings:vm",
                "-Xdiag",
                "-X",
                "-D",
                "-XX:VMOptionsFile=more.options",
                "-XX:Flags=.hotspotrc",
                "-client",
                "--source")) {
            assertThat(JvmCommandLine.options(cmdline("java", word, "-jar", "app.jar"), NO_VARIABLES))
                    .as(word)
                    .isNull();
        }
    }

    @Test
    void optionsFromTheEnvironmentLeaveTheOptionsToTheJvm() {
        for (String variable : JvmCommandLine.OPTION_VARIABLES) {
            assertThat(JvmCommandLine.options(cmdline("java", "-jar", "app.jar"), Map.of(variable, "-Xmx1g")))
                    .as(variable)
                    .isNull();
            assertThat(JvmCommandLine.options(cmdline("java", "-jar", "app.jar"), Map.of(variable, " ")))
                    .as(variable + " blank")
                    .isEmpty();
        }
    }

    @Test
    void noJarNoJarNameOrTextOutsideAsciiLeavesTheOptionsToTheJvm() {
        assertThat(JvmCommandLine.options(cmdline("java", "-Xmx64m", "Main"), NO_VARIABLES))
                .isNull();
        assertThat(JvmCommandLine.options(cmdline("java", "-Xmx64m", "-jar"), NO_VARIABLES))
                .isNull();
        assertThat(JvmCommandLine.options(cmdline("java", "-Dname=Zoë", "-jar", "app.jar"), NO_VARIABLES))
                .isNull();
        assertThat(JvmCommandLine.options(new byte[0], NO_VARIABLES)).isNull();
    }

    // --- against the JVM's own list, in real JVMs started the way users start the jar ---

    @BeforeAll
    static void buildProbeJar() throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path source = dir.resolve("src/dev/servicekit/launcher/CommandLineProbe.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                package dev.servicekit.launcher;

                public final class CommandLineProbe {
                    public static void main(String[] args) {
                        java.util.List<String> fromCommandLine = JvmCommandLine.options();
                        System.out.println("command line: " + (fromCommandLine == null ? "unknown" : "read"));
                        for (String option : fromCommandLine == null
                                ? java.util.Collections.<String>emptyList() : fromCommandLine) {
                            System.out.println("line " + option);
                        }
                        for (String option
                                : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                            System.out.println("jvm " + option);
                        }
                    }
                }
                """);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        int status = javac.run(
                null,
                null,
                null,
                "--release",
                "8",
                "-Xlint:-options",
                "-cp",
                System.getProperty("java.class.path"),
                "-d",
                classes.toString(),
                source.toString());
        assertThat(status).as("javac of the probe").isZero();

        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.servicekit.launcher.CommandLineProbe");
        probeJar = dir.resolve("probe.jar");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(probeJar), manifest)) {
            add(
                    jar,
                    "CommandLineProbe.class",
                    Files.readAllBytes(classes.resolve("dev/servicekit/launcher/CommandLineProbe.class")));
            for (Class<?> type : List.of(JvmCommandLine.class, CacheFiles.class)) {
                try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
                    add(jar, type.getSimpleName() + ".class", in.readAllBytes());
                }
            }
        }
    }

    @Test
    void onEveryJavaHereTheCommandLineGivesWhatTheJvmGives() throws Exception {
        assumeTrue(Files.isReadable(Path.of(JvmCommandLine.PROC_SELF_CMDLINE)), "needs Linux's /proc");
        List<List<String>> optionSets = List.of(
                List.of(),
                List.of("-Xmx64m", "-Xms8m", "-Xss512k", "-Dprobe.value=a b=c", "-XX:+UseSerialGC", "-ea", "-dsa"),
                List.of(
                        "-Xshare:auto",
                        "-Xlog:disable",
                        "-XX:TieredStopAtLevel=1",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                        "-Xint"),
                List.of(
                        "-Xrs",
                        "-Xbatch",
                        "-Xmixed",
                        "--add-reads=java.base=ALL-UNNAMED",
                        "--enable-native-access=ALL-UNNAMED",
                        // an agent from the JDK: its debugger, listening on a loopback port of the system's choosing
                        "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0"));
        for (Path java : javas()) {
            for (List<String> options : optionSets) {
                Probe probe = probe(java, options, Map.of());
                assertThat(probe.commandLine).as(probe.output).isEqualTo("read");
                assertThat(probe.fromCommandLine)
                        .as(probe.output)
                        .isEqualTo(probe.fromJvm)
                        .isEqualTo(options);
            }
        }
    }

    @Test
    void onEveryJavaHereOptionsFromAFileOrTheEnvironmentAreLeftToTheJvm() throws Exception {
        assumeTrue(Files.isReadable(Path.of(JvmCommandLine.PROC_SELF_CMDLINE)), "needs Linux's /proc");
        Path argFile = dir.resolve("options.txt");
        Files.writeString(argFile, "-Xmx64m\n");
        for (Path java : javas()) {
            Probe fromFile = probe(java, List.of("@" + argFile), Map.of());
            assertThat(fromFile.commandLine).as(fromFile.output).isEqualTo("unknown");
            assertThat(fromFile.fromJvm).as(fromFile.output).contains("-Xmx64m");

            Probe fromVariable = probe(java, List.of(), Map.of("JDK_JAVA_OPTIONS", "-Xmx64m"));
            assertThat(fromVariable.commandLine).as(fromVariable.output).isEqualTo("unknown");
            assertThat(fromVariable.fromJvm).as(fromVariable.output).contains("-Xmx64m");
        }
    }

    /** This JVM's java and every other one in /usr/lib/jvm (Debian's java 17 among them, where installed). */
    private static List<Path> javas() throws IOException {
        Set<Path> javas = new LinkedHashSet<>();
        javas.add(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath());
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                for (Path home : homes.sorted().toList()) {
                    Path java = home.resolve("bin/java");
                    if (Files.isExecutable(java)) {
                        javas.add(java.toRealPath());
                    }
                }
            }
        }
        return new ArrayList<>(javas);
    }

    private static Probe probe(Path java, List<String> options, Map<String, String> environment) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(options);
        command.add("-jar");
        command.add(probeJar.toString());
        command.add("run");
        // Into a file, not a pipe read to its end: reading first would wait for as long as the probe ran, past any
        // bound.
        Path outputFile = Files.createTempFile(dir, "probe-", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outputFile.toFile());
        for (String variable : JvmCommandLine.OPTION_VARIABLES) {
            builder.environment().remove(variable);
        }
        builder.environment().putAll(environment);
        int exit = BoundedProcess.awaitExit(builder.start(), Duration.ofSeconds(60), command.toString(), outputFile);
        String output = Files.readString(outputFile, StandardCharsets.UTF_8);
        assertThat(exit).as(command + "\n" + output).isZero();
        List<String> fromCommandLine = new ArrayList<>();
        List<String> fromJvm = new ArrayList<>();
        String commandLine = "";
        for (String line : output.lines().toList()) {
            if (line.startsWith("command line: ")) {
                commandLine = line.substring("command line: ".length());
            } else if (line.startsWith("line ")) {
                fromCommandLine.add(line.substring("line ".length()));
            } else if (line.startsWith("jvm ")) {
                fromJvm.add(line.substring("jvm ".length()));
            }
        }
        return new Probe(command + "\n" + output, commandLine, fromCommandLine, fromJvm);
    }

    private record Probe(String output, String commandLine, List<String> fromCommandLine, List<String> fromJvm) {}

    private static void add(JarOutputStream jar, String simpleName, byte[] bytes) throws IOException {
        jar.putNextEntry(new JarEntry("dev/servicekit/launcher/" + simpleName));
        jar.write(bytes);
        jar.closeEntry();
    }

    private static byte[] cmdline(String... words) {
        StringBuilder text = new StringBuilder();
        for (String word : words) {
            text.append(word).append('\0');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
