package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code install} puts on the installed command line, read from {@code --dry-run} of the real jar. */
class InstallCommandLineIT {

    @TempDir
    Path dir;

    @Test
    void installKeepsEverySetOverrideOnTheInstalledCommandLine() throws Exception {
        try (ServiceProcess install = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args(
                        "install",
                        "--dry-run",
                        "--platform",
                        "systemd",
                        "--set",
                        "http.port=8081",
                        "--set",
                        "log.level=debug")
                .start()) {
            assertThat(install.awaitExit(Duration.ofSeconds(60)))
                    .as(install.output())
                    .isZero();
            String execStart = install.stdout()
                    .lines()
                    .filter(line -> line.startsWith("ExecStart="))
                    .findFirst()
                    .orElseThrow();
            assertThat(execStart).endsWith("users-service.jar run --set http.port=8081 --set log.level=debug");
        }
    }

    @Test
    void installGivesABackupDirectoryOutsideTheDataDirectoryTheDataDirectorysAclOnWindows() throws Exception {
        try (ServiceProcess install = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args(
                        "install",
                        "--dry-run",
                        "--platform",
                        "windows",
                        "--set",
                        "backup.interval=1d",
                        "--set",
                        "backup.dir=D:\\backups\\users-service")
                .start()) {
            assertThat(install.awaitExit(Duration.ofSeconds(60)))
                    .as(install.output())
                    .isZero();
            assertThat(install.stdout())
                    .contains("# Other directories the configuration has the service write (created if missing; the"
                            + " data directory's ACL)\n  D:\\backups\\users-service\n");
        }
        try (ServiceProcess install = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("install", "--dry-run", "--platform", "windows", "--set", "backup.interval=1d")
                .start()) {
            assertThat(install.awaitExit(Duration.ofSeconds(60)))
                    .as(install.output())
                    .isZero();
            assertThat(install.stdout())
                    .as("the default backup.dir is under the data directory")
                    .doesNotContain("# Other directories");
        }
    }
}
