package dev.servicekit.systemd;

import dev.servicekit.spi.Diagnosis;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code doctor}'s checks of an installed (or {@code --root}-staged) unit file, offline: {@code systemd-analyze
 * verify <file>} (syntax, unknown keys, an {@code ExecStart} that is not executable) and {@code systemd-analyze
 * security --offline=true <file>} (the exposure score, 0 safe to 10 unsafe: SAFE and OK are ok, MEDIUM and EXPOSED a
 * warning, UNSAFE a failure). Both are "not applicable" without {@code systemd-analyze} (systemd 252 or later for
 * {@code --offline}).
 */
final class SystemdUnitChecks {

    static final String VERIFY = "unit verify";
    static final String SECURITY = "unit security";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: ([0-9.]+) ([A-Z]+)");

    private SystemdUnitChecks() {}

    /**
     * The findings for {@code unitFile}, or "not applicable" ones when it does not exist or {@code analyze} is empty.
     *
     * @param analyze the {@code systemd-analyze} executable, if installed
     */
    static List<Diagnosis> diagnose(Path unitFile, Optional<Path> analyze) {
        if (!Files.exists(unitFile)) {
            String why = "no unit file at " + unitFile + " (not installed for systemd)";
            return List.of(Diagnosis.notApplicable(VERIFY, why), Diagnosis.notApplicable(SECURITY, why));
        }
        if (analyze.isEmpty()) {
            String why = "systemd-analyze is not installed (it comes with the systemd package), so " + unitFile
                    + " is not checked";
            return List.of(Diagnosis.notApplicable(VERIFY, why), Diagnosis.notApplicable(SECURITY, why));
        }
        String tool = analyze.get().toString();
        return List.of(verify(tool, unitFile), security(tool, unitFile));
    }

    private static Diagnosis verify(String tool, Path unitFile) {
        CommandResult result;
        try {
            result = CommandRunner.run(
                    List.of(tool, "verify", unitFile.toString()), Map.of("SYSTEMD_PAGER", ""), TIMEOUT, "");
        } catch (UncheckedIOException e) {
            return Diagnosis.notApplicable(VERIFY, e.getMessage());
        }
        String said = (result.stderr() + result.stdout()).strip();
        if (result.exitCode() != 0) {
            return Diagnosis.failure(
                    VERIFY,
                    "systemd-analyze verify " + unitFile + " failed: " + oneLine(said),
                    "correct the unit (install again after fixing the cause, e.g. the java path), or put changes in"
                            + " its drop-in (systemctl edit)");
        }
        if (!said.isEmpty()) {
            return Diagnosis.warning(
                    VERIFY,
                    "systemd-analyze verify " + unitFile + " warns: " + oneLine(said),
                    "correct the lines it names (unknown keys and values systemd ignores)");
        }
        return Diagnosis.ok(VERIFY, unitFile + " passes systemd-analyze verify");
    }

    private static Diagnosis security(String tool, Path unitFile) {
        CommandResult result;
        try {
            result = CommandRunner.run(
                    List.of(tool, "security", "--offline=true", "--no-pager", unitFile.toString()),
                    Map.of("SYSTEMD_PAGER", "", "SYSTEMD_COLORS", "0"),
                    TIMEOUT,
                    "");
        } catch (UncheckedIOException e) {
            return Diagnosis.notApplicable(SECURITY, e.getMessage());
        }
        Matcher m = EXPOSURE.matcher(result.stdout() + "\n" + result.stderr());
        if (!m.find()) {
            return Diagnosis.notApplicable(
                    SECURITY,
                    "systemd-analyze security --offline=true gave no exposure level (systemd older than 252?): "
                            + oneLine((result.stderr() + result.stdout()).strip()));
        }
        String score = m.group(1);
        String level = m.group(2);
        String finding = "exposure " + score + " " + level + " (systemd-analyze security --offline=true " + unitFile
                + "; 0 is safest, 10 unsafe)";
        String fix = "add hardening in the unit's drop-in (systemctl edit): the lines systemd-analyze security marks"
                + " with ✗; keep MemoryDenyWriteExecute off for the JVM";
        return switch (level.toUpperCase(Locale.ROOT)) {
            case "SAFE", "OK" -> Diagnosis.ok(SECURITY, finding);
            case "UNSAFE" -> Diagnosis.failure(SECURITY, finding, fix);
            default -> Diagnosis.warning(SECURITY, finding, fix);
        };
    }

    private static String oneLine(String text) {
        String joined = String.join(
                " | ", text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return joined.length() > 600 ? joined.substring(0, 597) + "..." : joined;
    }

    /** {@code systemd-analyze} on {@code PATH}, if there. */
    static Optional<Path> findAnalyze(String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "systemd-analyze");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
