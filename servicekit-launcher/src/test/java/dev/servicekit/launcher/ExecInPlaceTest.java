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
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ExecInPlace} in real child JVMs ({@link ExecProbe}): the launcher's own library ({@link NativeExec}) replaces
 * the process without JNA (not on this module's class path), with only the standard streams and an empty signal mask
 * (the probe starts with SIGWINCH blocked, which would survive {@code execve}); the same through JNA (here from
 * servicekit-testing's dependencies) with {@code -Dservicekit.exec=jna}; failures and arguments.
 */
@EnabledOnOs(OS.LINUX)
class ExecInPlaceTest {

    private static final String SHOW = "echo \"sh pid=$$\"; echo fds-begin; ls -1 /proc/$$/fd; echo fds-end";

    @TempDir
    Path cache;

    /** Where the probes' output goes; not {@link #cache}, which the tests list. */
    @TempDir
    Path outputs;

    private byte[] library;

    @BeforeEach
    void theBuildCarriesTheLibrary() throws IOException {
        String resource = NativeExec.PREFIX + System.getProperty("os.arch") + ".so";
        try (InputStream in = NativeExec.class.getResourceAsStream(resource)) {
            if (in == null) {
                assumeTrue(
                        System.getenv("CI") != null,
                        "no " + resource
                                + ": this build had no /usr/bin/gcc (servicekit-launcher's native-exec profile)");
            }
            assertThat(in).as(resource + " (CI installs gcc)").isNotNull();
            library = in.readAllBytes();
        }
    }

    @Test
    void theProcessBecomesTheProgramWithTheSamePidOnlyTheStandardStreamsAndNoBlockedSignals() throws Exception {
        Run run = probe(List.of(), "/bin/sh", "-c", SHOW);

        assertThat(run.exit).as(run.output).isZero();
        String pid = run.line("probe pid=").replaceAll(" open=.*", "");
        assertThat(run.line("sh pid=")).isEqualTo(pid);
        assertThat(pid).isEqualTo(Long.toString(run.pid));
        assertThat(run.between("fds-begin", "fds-end")).containsExactlyInAnyOrder("0", "1", "2");
        try (var unpacked = Files.list(cache)) {
            Path dir = unpacked.filter(p -> p.getFileName().toString().startsWith("exec-"))
                    .findFirst()
                    .orElseThrow();
            assertThat(dir.resolve("libservicekit-exec.so")).hasBinaryContent(library);
            try (var files = Files.list(dir)) {
                assertThat(files).as("no part file left").hasSize(1);
            }
        }
    }

    /** grep, not sh: dash empties its signal mask when it starts. */
    @ParameterizedTest
    @ValueSource(strings = {"true", "jna"})
    void theSignalMaskIsEmptied(String exec) throws Exception {
        Run run = probe(
                List.of("-D" + Launcher.EXEC_PROPERTY + "=" + exec), "/bin/grep", "^SigBlk:", "/proc/self/status");

        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.line("SigBlk:").trim()).isEqualTo("0000000000000000");
    }

    @Test
    void aDamagedCopyInTheCacheIsReplacedBeforeItIsLoaded() throws Exception {
        CRC32 crc = new CRC32();
        crc.update(library);
        Path copy = cache.resolve("exec-" + Long.toHexString(crc.getValue())).resolve("libservicekit-exec.so");
        Files.createDirectories(copy.getParent());
        byte[] damaged = library.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        Files.write(copy, damaged);

        Run run = probe(List.of(), "/bin/sh", "-c", SHOW);

        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.line("sh pid=")).isEqualTo(Long.toString(run.pid));
        assertThat(copy).hasBinaryContent(library);
    }

    @Test
    void argumentsReachTheProgramByteForByteInTheJvmsEncoding() throws Exception {
        String argument = "Zoë ✓ \"quoted\" $HOME";

        Run run = probe(List.of(), "/bin/sh", "-c", "printf 'arg=%s\\n' \"$1\"", "sh", argument, "");

        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.line("arg=")).isEqualTo(argument);
    }

    @Test
    void aProgramThatCannotRunLeavesTheProcessAsItWasWithItsErrno() throws Exception {
        Run run = probe(List.of(), cache.resolve("no-such-program").toString());

        assertThat(run.exit).as(run.output).isEqualTo(3);
        assertThat(run.line("exec returned: ")).endsWith("failed with errno 2"); // ENOENT
    }

    @Test
    void withExecJnaJnaDoesTheSameAndTheLaunchersLibraryIsNotUnpacked() throws Exception {
        Run run = probe(List.of("-D" + Launcher.EXEC_PROPERTY + "=jna"), "/bin/sh", "-c", SHOW);

        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.line("sh pid=")).isEqualTo(Long.toString(run.pid));
        assertThat(run.between("fds-begin", "fds-end")).containsExactlyInAnyOrder("0", "1", "2");
        try (var unpacked = Files.list(cache)) {
            assertThat(unpacked).noneMatch(p -> p.getFileName().toString().startsWith("exec-"));
        }
    }

    private Run probe(List<String> jvmOptions, String... command) throws Exception {
        List<String> line = new ArrayList<>();
        // A blocked signal, which a process inherits and keeps across execve unless the mask is emptied (GNU env 9.1+).
        line.add("/usr/bin/env");
        line.add("--block-signal=WINCH");
        line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        line.addAll(jvmOptions);
        line.add("-cp");
        line.add(System.getProperty("java.class.path"));
        line.add(ExecProbe.class.getName());
        line.add(cache.toString());
        line.addAll(List.of(command));
        // Into a file, not a pipe read to its end: reading first would wait for as long as the probe ran, past any
        // bound.
        Path output = Files.createTempFile(outputs, "probe-", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("LC_ALL", "C.UTF-8");
        Process process = builder.start();
        int exit = BoundedProcess.awaitExit(process, Duration.ofSeconds(60), "the probe", output);
        return new Run(process.pid(), exit, Files.readString(output, StandardCharsets.UTF_8));
    }

    private record Run(long pid, int exit, String output) {
        String line(String prefix) {
            return output.lines()
                    .filter(l -> l.startsWith(prefix))
                    .map(l -> l.substring(prefix.length()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in:\n" + output));
        }

        List<String> between(String first, String last) {
            List<String> lines = output.lines().toList();
            int from = lines.indexOf(first);
            int to = lines.indexOf(last);
            assertThat(from).as(output).isNotNegative().isLessThan(to);
            return lines.subList(from + 1, to);
        }
    }
}
