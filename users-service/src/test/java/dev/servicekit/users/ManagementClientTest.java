package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.core.ReloadReport;
import dev.servicekit.core.ServiceException;
import dev.servicekit.http.ManagementClient;
import dev.servicekit.spi.ServiceManagerException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reload verb's HTTP client against the real management listener of users-service (in this JVM, port 0). */
class ManagementClientTest {

    @TempDir
    Path dir;

    @Test
    void aRefusedReloadComesBackAsAFailedReportNotAnException() throws Exception {
        try (RunningUsersService service = RunningUsersService.start(dir)) {
            ManagementClient client = ManagementClient.create(
                    URI.create("http://127.0.0.1:" + service.managementPort()), Optional.empty());
            java.nio.file.Files.writeString(dir.resolve("config.yaml"), "log:\n  level: loud\n");

            ReloadReport report = client.reload();

            assertThat(report.ok()).isFalse();
            assertThat(report.error())
                    .hasValueSatisfying(e -> assertThat(e).contains("log.level").contains("\"loud\""));
        }
    }

    @Test
    void aMissingTokenIsExplained() {
        try (RunningUsersService service = RunningUsersService.start(dir, "auth.enabled=true")) {
            ManagementClient client = ManagementClient.create(
                    URI.create("http://127.0.0.1:" + service.managementPort()), Optional.empty());

            assertThatThrownBy(client::reload)
                    .isInstanceOf(ServiceException.class)
                    .hasMessageContaining("refused POST /admin/reload (401")
                    .hasMessageContaining("no admin token was sent");
        }
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefusedWithTheAuthenticatorsReason() throws Exception {
        Path other = java.nio.file.Files.createDirectory(dir.resolve("other"));
        String foreign = RunningUsersService.issueToken(other, "operator", "admin");
        try (RunningUsersService service = RunningUsersService.start(dir, "auth.enabled=true")) {
            ManagementClient client = ManagementClient.create(
                    URI.create("http://127.0.0.1:" + service.managementPort()), Optional.of(foreign));

            assertThatThrownBy(client::reload)
                    .isInstanceOf(ServiceException.class)
                    .hasMessageContaining("refused POST /admin/reload (401 The access token signature is invalid)")
                    .hasMessageContaining("must be signed with the key the running instance uses");
        }
    }

    @Test
    void nothingListeningMeansNotRunning() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ManagementClient client = ManagementClient.create(URI.create("http://127.0.0.1:" + port), Optional.empty());

        assertThatThrownBy(client::reload)
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(3));
    }
}
