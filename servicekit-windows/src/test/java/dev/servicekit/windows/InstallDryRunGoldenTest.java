package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.StartType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstallDryRunGoldenTest {

    private static final LaunchCommand LAUNCH = new LaunchCommand(
            Path.of("C:\\java\\jdk-21\\bin\\java.exe"),
            List.of("-Xmx256m"),
            Path.of("C:\\apps\\users-service\\users-service.jar"),
            List.of("--config", "C:\\ProgramData\\users-service\\config.yml"));

    private final WindowsServiceManager manager = new WindowsServiceManager();

    private static InstallRequest request(
            StartType start,
            Optional<String> account,
            Optional<String> password,
            List<String> dependsOn,
            List<FailureAction> onFailure,
            LaunchCommand launch) {
        return new InstallRequest(
                ServiceRef.system("users-service"),
                "Users Service",
                "Manages users over an HTTP API.",
                start,
                account,
                password,
                dependsOn,
                onFailure,
                Duration.ofDays(1),
                Duration.ofSeconds(30),
                launch,
                true);
    }

    private static InstallRequest defaults() {
        return request(StartType.AUTO, Optional.empty(), Optional.empty(), List.of(), List.of(), LAUNCH);
    }

    @Test
    void defaultInstallUsesTheVirtualAccountAutomaticStartAndTheEventLogSource() {
        String plan = manager.describeInstall(defaults());

        assertThat(plan)
                .contains(
                        "obj= \"NT SERVICE\\users-service\"",
                        "ServiceSidType",
                        "PreshutdownTimeout",
                        "30000",
                        "EventCreate.exe",
                        "%ProgramData%\\users-service");
        GoldenFiles.assertMatches("default.txt", plan);
    }

    @Test
    void instanceIsTheServiceNameDollarInstanceWithItsOwnAccountEventSourceAndDataDirectory() {
        InstallRequest base = defaults();
        InstallRequest instance = new InstallRequest(
                ServiceRef.system("users-service").withInstance("a"),
                base.displayName(),
                base.description(),
                base.startType(),
                base.account(),
                base.password(),
                base.dependsOn(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                base.resetAfter(),
                base.stopTimeout(),
                new LaunchCommand(
                        LAUNCH.java(),
                        List.of("-Xmx256m", "-XX:SharedArchiveFile=users-service.jsa"),
                        LAUNCH.jar(),
                        List.of("--config", "C:\\ProgramData\\users-service\\a.yml")),
                true);

        String plan = manager.describeInstall(instance);

        assertThat(plan)
                .contains(
                        "sc.exe create users-service$a ",
                        "DisplayName= \"Users Service (a)\"",
                        "obj= \"NT SERVICE\\users-service$a\"",
                        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\users-service$a",
                        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\users-service$a",
                        "%ProgramData%\\users-service\\a",
                        " service --instance a --config C:\\ProgramData\\users-service\\a.yml --set"
                                + " data-dir=C:\\ProgramData\\users-service\\a",
                        "-XX:SharedArchiveFile=C:\\ProgramData\\users-service\\a\\users-service.jsa");
        GoldenFiles.assertMatches("instance.txt", plan);
    }

    @Test
    void explicitVirtualAccountIsKeptAsGiven() {
        GoldenFiles.assertMatches(
                "virtual-account.txt",
                manager.describeInstall(request(
                        StartType.MANUAL,
                        Optional.of("NT SERVICE\\users-service"),
                        Optional.empty(),
                        List.of(),
                        List.of(),
                        LAUNCH)));
    }

    @Test
    void userAccountPasswordIsMaskedEverywhere() {
        String plan = manager.describeInstall(request(
                StartType.AUTO,
                Optional.of("CORP\\svc-users"),
                Optional.of("s3cr3t-Pa55"),
                List.of(),
                List.of(),
                LAUNCH));

        assertThat(plan).doesNotContain("s3cr3t-Pa55").contains("password= ********");
        GoldenFiles.assertMatches("user-account.txt", plan);
    }

    @Test
    void dependenciesAreSlashSeparatedForScAndMultiStringInTheRegistry() {
        GoldenFiles.assertMatches(
                "dependencies.txt",
                manager.describeInstall(request(
                        StartType.AUTO,
                        Optional.empty(),
                        Optional.empty(),
                        List.of("Tcpip", "Dnscache"),
                        List.of(),
                        LAUNCH)));
    }

    @Test
    void failureActionsCarryDelaysResetPeriodAndTheNonCrashFlag() {
        String plan = manager.describeInstall(request(
                StartType.AUTO,
                Optional.empty(),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("restart:5s,restart:30s,none"),
                LAUNCH));

        assertThat(plan)
                .contains(
                        "sc.exe failure users-service reset= 86400 actions= restart/5000/restart/30000//0",
                        "sc.exe failureflag users-service 1",
                        "80,51,01,00,00,00,00,00,00,00,00,00,03,00,00,00,14,00,00,00,01,00,00,00,88,13,00,00");
        GoldenFiles.assertMatches("failure-actions.txt", plan);
    }

    @Test
    void delayedStartIsAutomaticPlusDelayedAutostart() {
        String plan = manager.describeInstall(
                request(StartType.DELAYED, Optional.empty(), Optional.empty(), List.of(), List.of(), LAUNCH));

        assertThat(plan).contains("start= auto", "sc.exe config users-service start= delayed-auto", "DelayedAutostart");
        GoldenFiles.assertMatches("delayed-start.txt", plan);
    }

    @Test
    void pathsWithSpacesAreQuotedAndEscapedForScExe() {
        LaunchCommand spaced = new LaunchCommand(
                Path.of("C:\\Program Files\\Eclipse Adoptium\\jdk-21\\bin\\java.exe"),
                List.of("-Dservice.title=Users Service"),
                Path.of("C:\\Program Files\\Users Service\\users-service.jar"),
                List.of("--config", "C:\\ProgramData\\Users Service\\config.yml"));

        String plan = manager.describeInstall(
                request(StartType.AUTO, Optional.of("LocalService"), Optional.empty(), List.of(), List.of(), spaced));

        assertThat(plan).contains("binPath= \"\\\"C:\\Program Files\\Eclipse Adoptium\\jdk-21\\bin\\java.exe\\\"");
        GoldenFiles.assertMatches("paths-with-spaces.txt", plan);
    }

    @Test
    void aDirectoryOutsideTheDataDirectoryThatTheServiceWritesGetsTheDataDirectorysAcl() {
        // e.g. users-service's backup.dir; one under the data directory has the ACL by inheritance already.
        InstallRequest request = defaults()
                .withWritableDirectories(List.of(
                        "D:\\backups\\users-service",
                        "C:\\ProgramData\\users-service\\backups",
                        "d:\\Backups\\users-service\\"));

        String plan = manager.describeInstall(request);

        assertThat(plan)
                .contains("# Other directories the configuration has the service write")
                .contains("  D:\\backups\\users-service\n")
                .doesNotContain("users-service\\backups");
        GoldenFiles.assertMatches("writable-directories.txt", plan);
    }

    @Test
    void aRelativeWritableDirectoryIsUnderTheDataDirectoryAndNeedsNothing() {
        InstallRequest request = defaults().withWritableDirectories(List.of("backups", "./backups"));

        assertThat(manager.describeInstall(request)).isEqualTo(manager.describeInstall(defaults()));
    }

    @Test
    void everyProblemWithTheRequestIsReportedAtOnce() {
        InstallRequest bad = new InstallRequest(
                new ServiceRef("bad/name", true, Optional.empty()),
                "d",
                "d",
                StartType.AUTO,
                Optional.of("LocalSystem"),
                Optional.of("pw"),
                List.of("a/b"),
                List.of(),
                Duration.ofDays(1),
                Duration.ofSeconds(30),
                LAUNCH,
                true);

        assertThatThrownBy(() -> manager.describeInstall(bad))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining("\"bad/name\"")
                .hasMessageContaining("--user")
                .hasMessageContaining("drop --password-stdin")
                .hasMessageContaining("--depends-on \"a/b\"")
                .hasMessageNotContaining("pw\"");
    }

    @Test
    void userAccountWithoutPasswordIsRefusedWithTheFix() {
        InstallRequest noPassword =
                request(StartType.AUTO, Optional.of("svc-users"), Optional.empty(), List.of(), List.of(), LAUNCH);

        assertThatThrownBy(() -> manager.describeInstall(noPassword))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining("\".\\svc-users\"")
                .hasMessageContaining("--password-stdin")
                .satisfies(e ->
                        assertThat(((ServiceManagerException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void systemdOnlyCapabilityAndDropInAreRefusedNotIgnoredWhileTheWatchdogIsIgnored() {
        InstallRequest systemdOnly =
                defaults().withBindPrivilegedPorts(true).withDropIn(Optional.of("[Service]\nMemoryMax=1G\n"));

        assertThatThrownBy(() -> manager.describeInstall(systemdOnly))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--bind-privileged-ports is systemd only")
                .hasMessageContaining("any service account may listen on a port below 1024; drop it")
                .hasMessageContaining("--drop-in is systemd only");
        assertThat(manager.describeInstall(defaults().withWatchdog(Optional.of(Duration.ofSeconds(10)))))
                .isEqualTo(manager.describeInstall(defaults()));
    }
}
