package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.Diagnosis.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code doctor}'s unit checks against the real {@code systemd-analyze}, offline, on the rendered unit. */
class SystemdUnitChecksTest {

    @TempDir
    Path dir;

    /** The golden unit, with its java replaced by this JVM's, so that {@code ExecStart} is executable. */
    private Path unit(String java) throws Exception {
        String text = Files.readString(Path.of("src/test/resources/golden/account.service"), StandardCharsets.UTF_8)
                .replace("/usr/lib/jvm/temurin-21-jre/bin/java", java);
        Path file = dir.resolve("users-service.service");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private static Optional<Path> analyze() {
        SystemdAnalyze.assumeInstalled();
        return SystemdUnitChecks.findAnalyze(System.getenv("PATH"));
    }

    @Test
    void theRenderedUnitVerifiesAndItsExposureIsOk() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();

        List<Diagnosis> findings = SystemdUnitChecks.diagnose(unit(java), analyze());

        assertThat(findings).extracting(Diagnosis::check).containsExactly("unit verify", "unit security");
        assertThat(findings.get(0).verdict()).as(findings.toString()).isEqualTo(Verdict.OK);
        assertThat(findings.get(1).verdict()).as(findings.toString()).isEqualTo(Verdict.OK);
        assertThat(findings.get(1).finding()).containsPattern("exposure [0-9.]+ (SAFE|OK)");
    }

    @Test
    void anExecStartThatIsNotExecutableFailsVerifyWithTheFix() throws Exception {
        List<Diagnosis> findings = SystemdUnitChecks.diagnose(unit("/nonexistent/bin/java"), analyze());

        assertThat(findings.get(0).verdict()).isEqualTo(Verdict.FAILURE);
        assertThat(findings.get(0).finding()).contains("/nonexistent/bin/java");
        assertThat(findings.get(0).fix()).isPresent();
    }

    @Test
    void withoutAUnitFileOrWithoutTheToolTheChecksAreNotApplicable() throws Exception {
        List<Diagnosis> noUnit = SystemdUnitChecks.diagnose(dir.resolve("absent.service"), Optional.empty());
        List<Diagnosis> noTool = SystemdUnitChecks.diagnose(unit("/bin/true"), Optional.empty());

        assertThat(noUnit).extracting(Diagnosis::verdict).containsOnly(Verdict.NOT_APPLICABLE);
        assertThat(noUnit.getFirst().finding()).contains("no unit file at");
        assertThat(noTool).extracting(Diagnosis::verdict).containsOnly(Verdict.NOT_APPLICABLE);
        assertThat(noTool.getFirst().finding()).contains("systemd-analyze is not installed");
    }
}
