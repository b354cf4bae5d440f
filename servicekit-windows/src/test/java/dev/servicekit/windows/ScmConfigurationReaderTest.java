package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceConfiguration;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.StartType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Reading the installed configuration back: the SCM's answers are used as given; only a level the SCM does not know
 * (error 124) is read from the registry value Windows keeps it in, and a note says so.
 */
class ScmConfigurationReaderTest {

    private static final ScmConfigurationReader.BaseConfig BASE = new ScmConfigurationReader.BaseConfig(
            2, "NT SERVICE\\users-service", "Users Service", List.of("Tcpip"), "java.exe -jar u.jar service");

    /** The registry of one service key, recording which values were read. */
    static final class Registry implements ScmConfigurationReader.Registry {
        final Map<String, Object> values = new HashMap<>();
        final List<String> read = new ArrayList<>();

        @Override
        public Optional<Integer> dword(String value) {
            read.add(value);
            return Optional.ofNullable((Integer) values.get(value));
        }

        @Override
        public Optional<byte[]> binary(String value) {
            read.add(value);
            return Optional.ofNullable((byte[]) values.get(value));
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<String> multiString(String value) {
            read.add(value);
            return (List<String>) values.getOrDefault(value, List.of());
        }
    }

    /** An SCM that answers every level with the given value, or with {@code error} for the levels listed. */
    private static ScmConfigurationReader.Scm scm(
            ScmConfigurationReader.BaseConfig base, int error, List<Integer> failingLevels) {
        return scm(() -> base, error, failingLevels);
    }

    /** As above, with {@code QueryServiceConfig} answered by {@code base}, which may throw as the real one does. */
    private static ScmConfigurationReader.Scm scm(
            Supplier<ScmConfigurationReader.BaseConfig> base, int error, List<Integer> failingLevels) {
        return new ScmConfigurationReader.Scm() {
            <T> ScmConfigurationReader.Answer<T> answer(int level, T value) {
                return failingLevels.contains(level)
                        ? ScmConfigurationReader.Answer.failed(error)
                        : ScmConfigurationReader.Answer.of(value);
            }

            @Override
            public ScmConfigurationReader.BaseConfig base() {
                return base.get();
            }

            @Override
            public ScmConfigurationReader.Answer<String> description() {
                return answer(1, "Users over HTTP.");
            }

            @Override
            public ScmConfigurationReader.Answer<ScmInstallPlan.FailureActionsValue> failureActions() {
                return answer(
                        2,
                        new ScmInstallPlan.FailureActionsValue(
                                Duration.ofDays(1), FailureAction.parseList("restart:5s,restart:30s,none")));
            }

            @Override
            public ScmConfigurationReader.Answer<Boolean> delayedAutoStart() {
                return answer(3, true);
            }

            @Override
            public ScmConfigurationReader.Answer<Boolean> failureActionsOnNonCrashFailures() {
                return answer(4, true);
            }

            @Override
            public ScmConfigurationReader.Answer<Integer> serviceSidType() {
                return answer(5, 1);
            }

            @Override
            public ScmConfigurationReader.Answer<Integer> preshutdownTimeoutMillis() {
                return answer(7, 35_000);
            }
        };
    }

    @Test
    void anScmThatAnswersEveryLevelIsReadAsItAnswersAndTheRegistryIsNotAsked() {
        Registry registry = new Registry();
        registry.values.put("DelayedAutostart", 0); // would contradict the SCM: must not be read

        ServiceConfiguration c = ScmConfigurationReader.read(scm(BASE, 0, List.of()), registry);

        assertThat(c.startType()).contains(StartType.DELAYED);
        assertThat(c.account()).contains("NT SERVICE\\users-service");
        assertThat(c.displayName()).contains("Users Service");
        assertThat(c.description()).contains("Users over HTTP.");
        assertThat(c.dependencies()).containsExactly("Tcpip");
        assertThat(c.failureActions()).isEqualTo(FailureAction.parseList("restart:5s,restart:30s,none"));
        assertThat(c.resetAfter()).contains(Duration.ofDays(1));
        assertThat(c.failureActionsOnNonCrashFailures()).contains(true);
        assertThat(c.serviceSidType()).contains("unrestricted");
        assertThat(c.preshutdownTimeout()).contains(Duration.ofSeconds(35));
        assertThat(c.command()).contains("java.exe -jar u.jar service");
        assertThat(c.notes()).isEmpty();
        assertThat(registry.read).isEmpty();
    }

    @Test
    void levelsTheScmDoesNotKnowAreReadFromTheRegistryWithANote() {
        Registry registry = new Registry();
        registry.values.put("DelayedAutostart", 1);
        registry.values.put("FailureActionsOnNonCrashFailures", 1);
        registry.values.put("ServiceSidType", 1);
        registry.values.put("FailureActions", value("restart:2s,none"));

        ServiceConfiguration c =
                ScmConfigurationReader.read(scm(BASE, ScmInstaller.ERROR_INVALID_LEVEL, List.of(2, 3, 4, 5)), registry);

        assertThat(c.startType()).contains(StartType.DELAYED);
        assertThat(c.failureActions()).isEqualTo(FailureAction.parseList("restart:2s,none"));
        assertThat(c.resetAfter()).contains(Duration.ofHours(2));
        assertThat(c.failureActionsOnNonCrashFailures()).contains(true);
        assertThat(c.serviceSidType()).contains("unrestricted");
        assertThat(c.preshutdownTimeout()).contains(Duration.ofSeconds(35));
        assertThat(c.notes())
                .containsExactly(
                        "delayed auto-start: this SCM does not know the setting (QueryServiceConfig2: Win32 error 124);"
                                + " read from the registry value DelayedAutostart",
                        "failure actions: this SCM does not know the setting (QueryServiceConfig2: Win32 error 124);"
                                + " read from the registry value FailureActions",
                        "failure actions on non-crash failures: this SCM does not know the setting"
                                + " (QueryServiceConfig2: Win32 error 124); read from the registry value"
                                + " FailureActionsOnNonCrashFailures",
                        "service SID type: this SCM does not know the setting (QueryServiceConfig2: Win32 error 124);"
                                + " read from the registry value ServiceSidType");
    }

    @Test
    void absentRegistryValuesReadAsWindowsDefaults() {
        ServiceConfiguration c = ScmConfigurationReader.read(
                scm(BASE, ScmInstaller.ERROR_INVALID_LEVEL, List.of(2, 3, 4, 5, 7)), new Registry());

        assertThat(c.startType()).contains(StartType.AUTO);
        assertThat(c.failureActions()).isEmpty();
        assertThat(c.resetAfter()).isEmpty();
        assertThat(c.failureActionsOnNonCrashFailures()).contains(false);
        assertThat(c.serviceSidType()).contains("none");
        assertThat(c.preshutdownTimeout()).isEmpty();
    }

    @Test
    void anotherErrorLeavesTheValueUnknownAndNeverReadsTheRegistry() {
        Registry registry = new Registry();
        registry.values.put("ServiceSidType", 1);

        ServiceConfiguration c = ScmConfigurationReader.read(scm(BASE, 5, List.of(5)), registry);

        assertThat(c.serviceSidType()).isEmpty();
        assertThat(c.notes()).containsExactly("service SID type: QueryServiceConfig2 failed with Win32 error 5");
        assertThat(registry.read).doesNotContain("ServiceSidType");
    }

    @Test
    void dependenciesTheScmLeavesOutAreReadFromDependOnServiceWithANote() {
        Registry registry = new Registry();
        registry.values.put("DependOnService", List.of("skDep", "eventlog"));
        ScmConfigurationReader.BaseConfig none =
                new ScmConfigurationReader.BaseConfig(3, "LocalSystem", "d", List.of(), "x.exe");

        ServiceConfiguration c = ScmConfigurationReader.read(scm(none, 0, List.of()), registry);

        assertThat(c.startType()).contains(StartType.MANUAL);
        assertThat(c.dependencies()).containsExactly("skDep", "eventlog");
        assertThat(c.notes())
                .containsExactly("dependencies: QueryServiceConfig returned none but the registry value DependOnService"
                        + " lists skDep, eventlog; read from the registry");
    }

    @Test
    void dependenciesTheScmReportsAreNotCheckedAgainstTheRegistry() {
        Registry registry = new Registry();

        ScmConfigurationReader.read(scm(BASE, 0, List.of()), registry);

        assertThat(registry.read).doesNotContain("DependOnService");
    }

    @Test
    void theFailureActionsRegistryValueReadsBackWhatTheInstallerWrites() {
        ScmInstallPlan.FailureActionsValue read =
                ScmInstallPlan.parseFailureActionsValue(value("restart:5s,restart:30s,none"));

        assertThat(read.resetPeriod()).isEqualTo(Duration.ofHours(2));
        assertThat(read.actions()).isEqualTo(FailureAction.parseList("restart:5s,restart:30s,none"));
    }

    @Test
    void aTruncatedFailureActionsValueIsRefusedWithItsLength() {
        byte[] full = value("restart:5s,none");
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 4);

        assertThatThrownBy(() -> ScmInstallPlan.parseFailureActionsValue(cut))
                .hasMessage("a FailureActions value with 2 actions needs 36 bytes; this one has 32");
        assertThatThrownBy(() -> ScmInstallPlan.parseFailureActionsValue(new byte[8]))
                .hasMessage("a FailureActions value has a 20-byte header; this one has 8 bytes");
    }

    @Test
    void aRefusedStopNamesTheRunningDependentsAndTheFix() {
        assertThat(ScmErrors.dependentServicesRunning("skDep", List.of("skA", "skB")))
                .hasMessage("Could not stop service \"skDep\": services that depend on it are running: skA, skB"
                        + " (Win32 error 1051); stop them first, then stop \"skDep\" again")
                .satisfies(e -> assertThat(e.exitCode()).isEqualTo(1));
        assertThat(ScmErrors.dependentServicesRunning("skDep", List.of()))
                .hasMessage(
                        "Could not stop service \"skDep\": services that depend on it are running (Win32 error"
                                + " 1051); stop the services whose dependencies name \"skDep\" first, then stop \"skDep\" again");
    }

    /** The {@code FailureActions} value the installer writes for these actions, reset after 2 h. */
    private static byte[] value(String actions) {
        return new ScmInstallPlan(
                        "s",
                        "S",
                        "d",
                        "x.exe",
                        StartType.AUTO,
                        "LocalSystem",
                        ScmInstallPlan.AccountKind.BUILT_IN,
                        Optional.empty(),
                        List.of(),
                        FailureAction.parseList(actions),
                        Duration.ofHours(2),
                        Duration.ofSeconds(30),
                        "s",
                        List.of())
                .failureActionsValue();
    }

    @Test
    void theInstalledLaunchIsTheImagePathsArgumentsAfterServiceWithTheDataDirectoryAndNoWorkingDirectory() {
        List<String> arguments = List.of("--config", "C:\\ProgramData\\users service\\a.yaml", "--set", "x=\"y\" \\");
        ScmInstallPlan plan = ScmInstallPlan.from(new InstallRequest(
                ServiceRef.system("users-service").withInstance("a"),
                "Users Service",
                "Users over HTTP.",
                StartType.AUTO,
                Optional.empty(),
                Optional.empty(),
                List.of(),
                List.of(),
                Duration.ofDays(1),
                Duration.ofSeconds(30),
                new LaunchCommand(
                        Path.of("C:\\Program Files\\Java\\bin\\java.exe"),
                        List.of("-Xmx256m"),
                        Path.of("C:\\Program Files\\Users Service\\users-service.jar"),
                        arguments),
                false));
        ScmConfigurationReader.BaseConfig base = new ScmConfigurationReader.BaseConfig(
                2, "NT SERVICE\\users-service$a", "Users Service (a)", List.of(), plan.imagePath());

        Optional<InstalledLaunch> launch =
                ScmConfigurationReader.installedLaunch(scm(base, 0, List.of()), new Registry());

        assertThat(launch)
                .contains(new InstalledLaunch(
                                List.of(
                                        "--instance",
                                        "a",
                                        "--config",
                                        "C:\\ProgramData\\users service\\a.yaml",
                                        "--set",
                                        "x=\"y\" \\",
                                        "--set",
                                        "data-dir=" + ScmInstallPlan.programData() + "\\users-service\\a"),
                                Optional.empty())
                        .withEnvironment(NO_VARIABLES));
    }

    @Test
    void noInstalledLaunchWhenTheConfigurationCannotBeReadOrTheImagePathIsNotOurs() {
        ScmConfigurationReader.Scm unreadable = scm(
                () -> {
                    throw ScmErrors.failure(
                            "read the configuration of \"users-service\" (QueryServiceConfig)",
                            "users-service",
                            5,
                            e -> "x");
                },
                0,
                List.of());
        ScmConfigurationReader.BaseConfig noCommand =
                new ScmConfigurationReader.BaseConfig(3, "LocalSystem", "Users", List.of(), null);
        ScmConfigurationReader.BaseConfig svchost = new ScmConfigurationReader.BaseConfig(
                2, "LocalSystem", "Other", List.of(), "C:\\Windows\\system32\\svchost.exe -k netsvcs");

        assertThat(ScmConfigurationReader.installedLaunch(unreadable, new Registry()))
                .isEmpty();
        assertThat(ScmConfigurationReader.installedLaunch(scm(noCommand, 0, List.of()), new Registry()))
                .isEmpty();
        assertThat(ScmConfigurationReader.installedLaunch(scm(svchost, 0, List.of()), new Registry()))
                .isEmpty();
        assertThat(ScmConfigurationReader.installedLaunch(scm(BASE, 0, List.of()), new Registry()))
                .as("java.exe -jar u.jar service: no arguments, no Environment value")
                .contains(new InstalledLaunch(List.of(), Optional.empty()).withEnvironment(NO_VARIABLES));
    }

    /** What a service key without an {@code Environment} value gives the service: no variables of its own. */
    private static final InstalledLaunch.Environment NO_VARIABLES =
            InstalledLaunch.Environment.of(Map.of(), "the service key's Environment value");

    @Test
    void theServiceKeysEnvironmentValueIsTheServicesVariablesNamesAsWritten() {
        Registry registry = new Registry();
        registry.values.put(
                "Environment",
                List.of(
                        "USERS_SERVICE_MANAGEMENT_PORT=9100",
                        "USERS_SERVICE_DATA_DIR=C:\\data\\users service",
                        "EQUALS=a=b",
                        "EMPTY=",
                        "s3cr3t-without-a-name",
                        "=C:=C:\\",
                        "EQUALS=later"));

        InstalledLaunch.Environment environment = ScmConfigurationReader.installedLaunch(
                        scm(BASE, 0, List.of()), registry)
                .orElseThrow()
                .environment()
                .orElseThrow();

        assertThat(registry.read).containsExactly("Environment");
        assertThat(environment.variables())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "USERS_SERVICE_MANAGEMENT_PORT", "9100",
                        "USERS_SERVICE_DATA_DIR", "C:\\data\\users service",
                        "EQUALS", "later",
                        "EMPTY", ""));
        assertThat(environment.source()).isEqualTo("the service key's Environment value");
        assertThat(environment.unread())
                .containsExactly(
                        "string 5 of the Environment value is not NAME=value",
                        "string 6 of the Environment value is not NAME=value")
                .noneMatch(note -> note.contains("s3cr3t"));
    }

    @Test
    void anEnvironmentValueTheRegistryWillNotGiveIsNotRead() {
        ScmConfigurationReader.Registry denied = new ScmConfigurationReader.Registry() {
            @Override
            public Optional<Integer> dword(String value) {
                return Optional.empty();
            }

            @Override
            public Optional<byte[]> binary(String value) {
                return Optional.empty();
            }

            @Override
            public List<String> multiString(String value) {
                // As Advapi32Util throws Win32Exception (not constructed here: its message needs kernel32)
                throw new IllegalStateException("Access is denied.");
            }
        };

        assertThat(ScmConfigurationReader.installedLaunch(scm(BASE, 0, List.of()), denied))
                .contains(new InstalledLaunch(List.of(), Optional.empty()));
    }
}
