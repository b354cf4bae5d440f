package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.Diagnosis.Verdict;
import dev.servicekit.spi.ServiceRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /** The accounts the fake LSA was asked about, and what it answers. */
    private final List<String> asked = new ArrayList<>();

    private WindowsServiceChecks.Rights answer =
            new WindowsServiceChecks.Rights.Failed("LsaOpenPolicy", 0xC0000022, "Win32 error 5: Access is denied.");

    private final WindowsServiceChecks.Lsa lsa = account -> {
        asked.add(account);
        return answer;
    };

    private List<Diagnosis> diagnose() {
        return WindowsServiceChecks.diagnose(SERVICE, registry, lsa);
    }

    private void installed(String imagePath, boolean eventSource) {
        keys.put(ScmInstallPlan.SERVICES_KEY + "users-service", Map.of("ImagePath", imagePath));
        registerEventSource(eventSource);
    }

    private void installedAs(String objectName) {
        keys.put(
                ScmInstallPlan.SERVICES_KEY + "users-service",
                Map.of("ImagePath", "C:\\java\\bin\\java.exe -jar users.jar service", "ObjectName", objectName));
        registerEventSource(true);
    }

    private Diagnosis logonRight() {
        List<Diagnosis> findings = diagnose();
        assertThat(findings.get(2).check()).isEqualTo(WindowsServiceChecks.LOGON_RIGHT);
        return findings.get(2);
    }

    private void registerEventSource(boolean eventSource) {
        if (eventSource) {
            keys.put(ScmInstallPlan.EVENT_LOG_KEY + "users-service", Map.of());
        }
    }

    @Test
    void aQuotedImagePathAndARegisteredSourceAreOkAndNoObjectNameIsLocalSystemWithoutAskingTheLsa() {
        installed(
                "\"C:\\Program Files\\Java\\bin\\java.exe\" -jar \"C:\\Program Files\\users\\users.jar\" service",
                true);

        List<Diagnosis> findings = diagnose();

        assertThat(findings).extracting(Diagnosis::verdict).containsExactly(Verdict.OK, Verdict.OK, Verdict.OK);
        assertThat(findings.get(2).finding()).contains("\"LocalSystem\"", "SeServiceLogonRight implicitly");
        assertThat(asked).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "LocalSystem",
                ".\\LocalSystem",
                "NT AUTHORITY\\LocalService",
                "nt authority\\localservice",
                "NT AUTHORITY\\NetworkService",
                "NT AUTHORITY\\Network Service",
                "NT SERVICE\\users-service"
            })
    void builtInAndVirtualAccountsAreOkWithoutAskingTheLsa(String account) {
        installedAs(account);

        Diagnosis right = logonRight();

        assertThat(right.verdict()).isEqualTo(Verdict.OK);
        assertThat(right.finding()).contains("\"" + account + "\"", "implicitly");
        assertThat(asked).isEmpty();
    }

    @Test
    void anAccountWhoseOwnRightsListTheRightIsOk() {
        installedAs("CORP\\svc-users");
        answer = new WindowsServiceChecks.Rights.Listed(List.of("SeBatchLogonRight", "SeServiceLogonRight"));

        Diagnosis right = logonRight();

        assertThat(right.verdict()).isEqualTo(Verdict.OK);
        assertThat(right.finding()).contains("\"CORP\\svc-users\" holds SeServiceLogonRight");
        assertThat(asked).containsExactly("CORP\\svc-users");
    }

    @Test
    void anAccountWithNoRightsOfItsOwnIsAWarningThatNamesGroupsAndTheFix() {
        installedAs(".\\svc-users");
        answer = new WindowsServiceChecks.Rights.Failed(
                "LsaEnumerateAccountRights",
                WindowsServiceChecks.STATUS_OBJECT_NAME_NOT_FOUND,
                "Win32 error 2: The system cannot find the file specified.");

        Diagnosis right = logonRight();

        assertThat(right.verdict()).isEqualTo(Verdict.WARNING);
        assertThat(right.finding()).contains("\".\\svc-users\" has no rights of its own", "group", "1069");
        assertThat(right.fix())
                .hasValueSatisfying(fix -> assertThat(fix)
                        .contains("secpol.msc", "User Rights Assignment", "Log on as a service", "\".\\svc-users\"")
                        .contains("install does not grant it"));
        assertThat(asked).containsExactly(".\\svc-users");
    }

    @Test
    void anAccountWhoseOwnRightsLackTheRightIsAWarningListingThem() {
        installedAs("svc@corp.example");
        answer = new WindowsServiceChecks.Rights.Listed(List.of("SeBatchLogonRight"));

        Diagnosis right = logonRight();

        assertThat(right.verdict()).isEqualTo(Verdict.WARNING);
        assertThat(right.finding()).contains("(SeBatchLogonRight) but not SeServiceLogonRight", "group");
        assertThat(right.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("Log on as a service"));
    }

    @Test
    void anyOtherLsaStatusIsNotCheckedWithTheWindowsErrorAndNeverOk() {
        installedAs("CORP\\svc-users");

        Diagnosis right = logonRight();

        assertThat(right.verdict()).isEqualTo(Verdict.NOT_CHECKED);
        assertThat(right.finding())
                .contains("\"CORP\\svc-users\"", "LsaOpenPolicy returned NTSTATUS 0xC0000022")
                .contains("Access is denied.", "secpol.msc");
    }

    @Test
    void anAccountNameTheSystemCannotResolveIsNotChecked() {
        installedAs("CORP\\gone");
        answer = new WindowsServiceChecks.Rights.Failed(
                "LookupAccountName(\"CORP\\gone\")",
                0,
                "Win32 error 1332: No mapping between account names and security IDs was done.");

        Diagnosis right = logonRight();

        assertThat(right.verdict()).isEqualTo(Verdict.NOT_CHECKED);
        assertThat(right.finding()).contains("LookupAccountName(\"CORP\\gone\") failed", "1332");
    }

    @Test
    void anUnquotedExecutableWithSpacesIsAFailureAndAMissingSourceAWarning() {
        installed("C:\\Program Files\\Java\\bin\\java.exe -jar users.jar service", false);

        List<Diagnosis> findings = diagnose();

        assertThat(findings.get(0).verdict()).isEqualTo(Verdict.FAILURE);
        assertThat(findings.get(0).finding()).contains("\"C:\\Program Files\\Java\\bin\\java.exe\"");
        assertThat(findings.get(1).verdict()).isEqualTo(Verdict.WARNING);
        assertThat(findings.get(1).fix())
                .hasValueSatisfying(fix -> assertThat(fix).contains("install"));
    }

    @Test
    void aServiceThatIsNotInstalledHasNothingToCheck() {
        assertThat(diagnose()).extracting(Diagnosis::verdict).containsOnly(Verdict.NOT_APPLICABLE);
        assertThat(asked).isEmpty();
    }
}
