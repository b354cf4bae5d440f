package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backup}, {@code backup verify} and {@code restore} in this JVM against users-service with auth on: the
 * admin scope on {@code POST /admin/backup}, the token the command mints, the offline path, and the database's lock.
 */
class BackupCommandTest {

    @TempDir
    Path dir;

    private int managementPort;
    private final UsersCommandLine commandLine = new UsersCommandLine();

    @BeforeEach
    void port() throws IOException {
        managementPort = freePort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private int cli(String... args) {
        return commandLine.run(args);
    }

    private String[] withConfig(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--set",
                "data-dir=" + dir,
                "--set",
                "management.port=" + managementPort,
                "--set",
                "auth.enabled=true"));
        return all.toArray(String[]::new);
    }

    private String out() {
        return commandLine.out();
    }

    private String err() {
        return commandLine.err();
    }

    private String token(String scopes) {
        assertThat(cli("token", "issue", "--subject", "t", "--scope", scopes, "--set", "data-dir=" + dir))
                .as(err())
                .isZero();
        return out().strip();
    }

    @Test
    void withAuthOnTheBackupNeedsTheAdminScopeAndTheCommandMintsIt() throws IOException {
        Path backup = dir.resolve("b.db");
        try (RunningUsersService service =
                RunningUsersService.start(dir, "auth.enabled=true", "management.port=" + managementPort)) {
            assertThat(service.management.post("/admin/backup", "").status()).isEqualTo(401);
            assertThat(service.management
                            .post("/admin/backup", "", "Authorization", "Bearer " + token("users:read users:write"))
                            .status())
                    .isEqualTo(403);
            service.api.post(
                    "/api/v1/users",
                    "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}",
                    "Authorization",
                    "Bearer " + token("users:write"));

            assertThat(cli(withConfig("backup", "--to", backup.toString())))
                    .as(err())
                    .isZero();
            assertThat(out())
                    .contains("Backed up 1 users")
                    .contains("through the running service at http://127.0.0.1:" + managementPort);

            assertThat(cli(withConfig("backup", "--to", backup.toString()))).isEqualTo(1);
            assertThat(err()).contains("exists; name a new file, or add --force");
            assertThat(cli(withConfig("backup", "--to", backup.toString(), "--force")))
                    .as(err())
                    .isZero();

            String before = Backups.sha256(dir.resolve("users.db"));
            assertThat(cli(withConfig("restore", "--from", backup.toString()))).isEqualTo(1);
            assertThat(err()).contains("users-service is running").contains("Nothing was changed");

            // A listener this command does not know (another management.port): the database's lock still refuses.
            int other = freePort();
            assertThat(cli(
                            "restore",
                            "--from",
                            backup.toString(),
                            "--set",
                            "data-dir=" + dir,
                            "--set",
                            "management.port=" + other))
                    .isEqualTo(1);
            assertThat(err()).contains("is open in another process (users.db.lock is locked)");
            assertThat(Backups.sha256(dir.resolve("users.db"))).isEqualTo(before);
        }

        assertThat(cli("backup", "verify", backup.toString())).as(err()).isZero();
        assertThat(out()).contains("ok: " + backup).contains("users:   1 (schema version 2)");
    }

    @Test
    void withTheServiceStoppedTheBackupIsTakenFromTheFileAndRestoreKeepsTheOldDatabaseAside() throws IOException {
        try (RunningUsersService service = RunningUsersService.start(dir)) {
            service.api.post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}");
        }
        Path backup = dir.resolve("offline.db");
        assertThat(cli(withConfig("backup", "--to", backup.toString())))
                .as(err())
                .isZero();
        assertThat(out()).contains("Backed up 1 users").contains("(offline, from the database file)");
        assertThat(err()).contains("no running instance answers");

        String replaced = Backups.sha256(dir.resolve("users.db"));
        assertThat(cli(withConfig("restore", "--from", backup.toString())))
                .as(err())
                .isZero();
        assertThat(out()).contains("Restored 1 users from " + backup).contains("replaced: moved aside as ");
        try (var files = Files.list(dir)) {
            Path aside = files.filter(
                            f -> f.getFileName().toString().matches("users\\.db\\.before-restore-\\d{8}T\\d{6}Z"))
                    .findFirst()
                    .orElseThrow();
            assertThat(Backups.sha256(aside)).isEqualTo(replaced);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("users.db"))))
                .as("the restored database holds password hashes")
                .isEqualTo("rw-------");
        try (RunningUsersService service = RunningUsersService.start(dir)) {
            assertThat(service.api.get("/api/v1/users").body()).contains("ada@example.org");
        }
    }

    @Test
    void usageAndStoreErrorsHaveTheirExitCodes() {
        assertThat(cli("backup")).isEqualTo(2);
        assertThat(err()).contains("backup --to FILE");
        assertThat(cli("backup", "--to", dir.resolve("m.db").toString(), "--set", "store.url=memory:"))
                .isEqualTo(78);
        assertThat(cli("backup", "verify", dir.resolve("missing.db").toString()))
                .isEqualTo(65);
        assertThat(err()).contains("does not exist or is not a file");
        // On a free management port: a service the developer runs on the default one would make restore refuse.
        assertThat(cli(withConfig("restore", "--from", dir.resolve("missing.db").toString())))
                .as(err())
                .isEqualTo(65);
    }
}
