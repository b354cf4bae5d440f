package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.testing.FakeServiceManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} as it merges a service manager's view (here a stand-in reporting what {@code systemctl show} would:
 * active, a pid, restarts) with the application's own when the service left no file in the working directory's data
 * directory, as under systemd, whose working directory is the state directory: the configured management listener
 * is asked.
 */
class StatusMergeTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private int status(FakeServiceManager manager, String... args) {
        out.reset();
        return ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .managers(ServiceManagers.of(List.of(manager)))
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .build()
                .execute(args);
    }

    @Test
    void theManagersPidAndRestartsAreMergedWithTheApplicationsReadinessFromTheConfiguredListener() throws Exception {
        try (RunningUsersService service = RunningUsersService.start(dir)) {
            long pid = ProcessHandle.current().pid();
            FakeServiceManager systemd = FakeServiceManager.named("systemd", true)
                    .reports(new ServiceStatus(
                            true,
                            true,
                            "active (running)",
                            OptionalLong.of(pid),
                            OptionalInt.of(0),
                            OptionalInt.of(1)));

            int code = status(
                    systemd,
                    "status",
                    "--json",
                    "--set",
                    "data-dir=" + dir.resolve("elsewhere"),
                    "--set",
                    "auth.enabled=false",
                    "--set",
                    "management.port=" + service.managementPort());

            assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
            JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
            assertThat(json.path("manager").path("platform").asText()).isEqualTo("systemd");
            assertThat(json.path("manager").path("pid").asLong()).isEqualTo(pid);
            assertThat(json.path("manager").path("restarts").asInt()).isEqualTo(1);
            assertThat(json.path("process").isNull()).isTrue();
            assertThat(json.path("application").path("pid").asLong()).isEqualTo(pid);
            assertThat(json.path("application").path("readiness").asText()).isEqualTo("UP");
            assertThat(json.path("application").path("managementUri").asText())
                    .isEqualTo("http://127.0.0.1:" + service.managementPort());
            assertThat(json.path("notes")).isEmpty();

            // A listener that belongs to another pid than the manager's is said, not hidden.
            systemd.reports(new ServiceStatus(
                    true, true, "active (running)", OptionalLong.of(1), OptionalInt.empty(), OptionalInt.empty()));
            assertThat(status(
                            systemd,
                            "status",
                            "--set",
                            "data-dir=" + dir.resolve("elsewhere"),
                            "--set",
                            "auth.enabled=false",
                            "--set",
                            "management.port=" + service.managementPort()))
                    .isZero();
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .startsWith("users-service: running (active (running), pid 1)")
                    .contains("readiness:       UP (RUNNING)")
                    .contains("belongs to pid " + pid + ", not to the pid 1 systemd runs");
        }
    }
}
