package dev.servicekit.systemd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs {@code systemd-analyze verify} on a unit file; it works offline, without a running systemd. */
final class SystemdAnalyze {

    private SystemdAnalyze() {}

    record Result(int exitCode, String stderr) {}

    static void assumeInstalled() {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))
                        || Files.isExecutable(Path.of("/bin/systemd-analyze")),
                "systemd-analyze is not installed, so rendered units are not verified here; install it with: apt-get install -y systemd");
    }

    /**
     * {@code systemd-analyze [--user] verify <unit>}. Its exit code is 0 even for unknown keys and unparsable
     * values (those are warnings on stderr), so callers check stderr too.
     */
    static Result verify(Path unit, boolean user, Path scratch) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("systemd-analyze"));
        if (user) {
            command.add("--user");
        }
        command.add("verify");
        command.add(unit.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (user) {
            // A user-mode verify needs a runtime directory, as a logged-in user would have.
            Path runtime = scratch.resolve("xdg-runtime");
            if (!Files.exists(runtime)) {
                Files.createDirectories(
                        runtime, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        }
        Process p = pb.start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("systemd-analyze verify " + unit + " did not finish within 30 s");
        }
        return new Result(p.exitValue(), stderr);
    }
}
