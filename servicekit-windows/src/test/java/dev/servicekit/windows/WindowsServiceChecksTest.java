package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.Diagnosis.Verdict;
import dev.servicekit.spi.ServiceRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code doctor}'s Windows checks on a registry held in memory, as the SCM and install leave it. */
class WindowsServiceChecksTest {

    private static final ServiceRef SERVICE =
            new ServiceRef("users-service", false, Optional.empty(), Optional.empty());

    /** Keys mapped to their values ("" for a key without values). */
    private final Map<String, Map<String, String>> keys = new HashMap<>();

    private final WindowsServiceChecks.Registry registry = new WindowsServiceChecks.Registry() {
        @Override
        public Optional<String> value(String key, String name) {
            return Optional.ofNullable(keys.getOrDefault(key, Map.of()).get(name));
        }

        @Override
        public boolean exists(String key) {
            return keys.containsKey(key);
        }
    };

    private void installed(String imagePath, boolean eventSource) {
        keys.put(ScmInstallPlan.SERVICES_KEY + "users-service", Map.of("ImagePath", imagePath));
        if (eventSource) {
            keys.put(ScmInstallPlan.EVENT_LOG_KEY + "users-service", Map.of());
        }
    }

    @Test
    void aQuotedImagePathAndARegisteredSourceAreOkAndTheLogonRightIsSaidToBeNotChecked() {
        installed(
                "\"C:\\Program Files\\Java\\bin\\java.exe\" -jar \"C:\\Program Files\\users\\users.jar\" service",
                true);

        List<Diagnosis> findings = WindowsServiceChecks.diagnose(SERVICE, registry);

        assertThat(findings)
                .extracting(Diagnosis::verdict)
                .containsExactly(Verdict.OK, Verdict.OK, Verdict.NOT_CHECKED);
        assertThat(findings.get(2).finding())
                .contains("not checked on this platform")
                .contains("SeServiceLogonRight");
    }

    @Test
    void anUnquotedExecutableWithSpacesIsAFailureAndAMissingSourceAWarning() {
        installed("C:\\Program Files\\Java\\bin\\java.exe -jar users.jar service", false);

        List<Diagnosis> findings = WindowsServiceChecks.diagnose(SERVICE, registry);

        assertThat(findings.get(0).verdict()).isEqualTo(Verdict.FAILURE);
        assertThat(findings.get(0).finding()).contains("\"C:\\Program Files\\Java\\bin\\java.exe\"");
        assertThat(findings.get(1).verdict()).isEqualTo(Verdict.WARNING);
        assertThat(findings.get(1).fix())
                .hasValueSatisfying(fix -> assertThat(fix).contains("install"));
    }

    @Test
    void aServiceThatIsNotInstalledHasNothingToCheck() {
        assertThat(WindowsServiceChecks.diagnose(SERVICE, registry))
                .extracting(Diagnosis::verdict)
                .containsOnly(Verdict.NOT_APPLICABLE);
    }
}
