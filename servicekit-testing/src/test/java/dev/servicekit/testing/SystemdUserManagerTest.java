package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real systemd user manager: a unit starts, logs to the journal, and stops with the manager. */
class SystemdUserManagerTest {

    @TempDir
    Path dir;

    /** Skips without systemd locally; on CI (CI=true) .ci/run installs it, so a missing one fails. */
    @BeforeAll
    static void systemdInstalled() {
        Optional<String> missing = SystemdUserManager.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("SystemdUserManagerTest cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("SystemdUserManagerTest skipped: " + reason));
        assumeTrue(missing.isEmpty(), "systemd tests skipped: " + missing.orElse(""));
    }

    @Test
    void aUnitRunsLogsToTheJournalAndEndsWithTheManager() throws Exception {
        long pid;
        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            Files.createDirectories(systemd.unitDirectory());
            Files.writeString(systemd.unitDirectory().resolve("sk-smoke.service"), """
                    [Service]
                    Type=simple
                    ExecStart=/bin/sh -c 'echo hello from sk-smoke; exec sleep 600'
                    """);
            assertThat(systemd.systemctl("daemon-reload").ok()).isTrue();
            SystemdUserManager.Result started = systemd.systemctl("start", "sk-smoke.service");
            assertThat(started.ok()).as(started.output()).isTrue();

            Map<String, String> shown = systemd.show("sk-smoke.service", "ActiveState", "MainPID");
            assertThat(shown).containsEntry("ActiveState", "active");
            pid = Long.parseLong(shown.get("MainPID"));
            assertThat(pid).isPositive();
            assertThat(ProcessHandle.of(pid)).isPresent();
            Poll.until(
                    Duration.ofSeconds(10),
                    "the unit's line in the journal",
                    () -> systemd.journal("-u", "sk-smoke.service", "-o", "cat").contains("hello from sk-smoke"));
        }
        Poll.until(
                Duration.ofSeconds(10),
                "the unit's process to end with the manager",
                () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }
}
