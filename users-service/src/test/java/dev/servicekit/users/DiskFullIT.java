package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk full (issue 18): the data directory is a 4 MiB tmpfs in the child's private mount namespace
 * ({@link PrivateMounts}). Once a filler file takes the rest of it, creates answer 507 problems (never a 500, never
 * SQLite's words), reads and readiness keep working, {@code PRAGMA integrity_check} is ok, and when the filler is
 * deleted the same process takes writes again.
 */
class DiskFullIT {

    static final int BEFORE = 20;

    @TempDir
    Path dir;

    @Test
    void createsAnswer507WhileTheDiskIsFullReadsKeepWorkingAndWritesResumeWhenSpaceReturns() throws Exception {
        Optional<String> unavailable = PrivateMounts.unavailable(dir);
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElseThrow());
        Path data = dir.resolve("data");
        try (ServiceProcess service = UsersServiceProcessIT.smallJvm(dir)
                .java(PrivateMounts.javaOnTmpfs(dir, data, "4m"))
                .args(UsersServiceProcessIT.run(
                        "http.port=0",
                        "management.port=0",
                        "data-dir=" + data,
                        "auth.enabled=false",
                        "log.access=false"))
                .start()) {
            TestHttpClient api = TestHttpClient.create(
                    "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.API));
            TestHttpClient management = TestHttpClient.create(
                    "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.MANAGEMENT));
            Path mounted = PrivateMounts.seenBy(service.pid(), data);
            assertThat(PrivateMounts.inNamespaceOf(service.pid(), "findmnt", "-n", "-o", "FSTYPE", data.toString()))
                    .as("the data dir is the child's own tmpfs")
                    .contains("tmpfs");
            assertThat(data.resolve("users.db"))
                    .as("nothing reaches the test's namespace")
                    .doesNotExist();

            Map<Long, String> acknowledged = new LinkedHashMap<>();
            for (int i = 0; i < BEFORE; i++) {
                TestResponse created = create(api, "before" + i + "@example.com");
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                acknowledged.put(created.json().path("id").asLong(), "before" + i + "@example.com");
            }

            Path filler = mounted.resolve("filler");
            long filled = fill(filler);
            assertThat(filled).as("the filler took the rest of the tmpfs").isPositive();

            // SQLite may still fit a few rows in pages it already has (the WAL is reused); then it needs a new page.
            TestResponse refused = null;
            for (int i = 0; i < 2_000 && refused == null; i++) {
                String email = "full" + i + "@example.com";
                TestResponse created = create(api, email);
                if (created.status() == 201) {
                    acknowledged.put(created.json().path("id").asLong(), email);
                } else {
                    refused = created;
                }
            }
            assertThat(refused)
                    .as("a create was refused once the disk was full")
                    .isNotNull();
            assertFullProblem(refused);
            for (int i = 0; i < 5; i++) {
                assertFullProblem(create(api, "still-full" + i + "@example.com"));
            }

            assertAcknowledgedReadable(api, acknowledged);
            assertThat(management.get("/health/ready").status())
                    .as("reads work: the instance stays in rotation")
                    .isEqualTo(200);
            assertThat(integrityCheck(mounted.resolve("users.db"))).isEqualTo("ok");
            assertThat(service.output())
                    .as("the operator is told what is wrong")
                    .contains("SQLITE_FULL");

            Files.delete(filler);
            TestResponse after = create(api, "after@example.com");
            assertThat(after.status()).as(after.body()).isEqualTo(201);
            acknowledged.put(after.json().path("id").asLong(), "after@example.com");
            assertThat(api.get("/api/v1/users?limit=500").json().path("items").size())
                    .isEqualTo(acknowledged.size());
            assertThat(integrityCheck(mounted.resolve("users.db"))).isEqualTo("ok");
            assertThat(service.output()).as("no request ended in a 500").doesNotContain("Unhandled exception");

            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    static TestResponse create(TestHttpClient api, String email) {
        return api.post("/api/v1/users", "{\"name\":\"Disk\",\"email\":\"" + email + "\"}");
    }

    static void assertFullProblem(TestResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(507);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().path("detail").asText()).contains("disk").contains("full");
        assertThat(response.header("Retry-After"))
                .as("no Retry-After on a 507: only freeing space helps (docs/operations.md)")
                .isEmpty();
        assertThat(response.body())
                .doesNotContain("SQLITE")
                .doesNotContain("users.db")
                .doesNotContain("Exception");
    }

    /** Writes zeros to {@code file} until the file system says no space is left; returns the bytes written. */
    static long fill(Path file) {
        byte[] chunk = new byte[16 * 1024];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (written < 1L << 30) {
                out.write(chunk);
                written += chunk.length;
            }
            throw new AssertionError("wrote 1 GiB to " + file + " without filling it");
        } catch (IOException e) {
            assertThat(e.getMessage()).as("the tmpfs is full").containsIgnoringCase("space");
            return written;
        }
    }

    static String integrityCheck(Path database) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("PRAGMA integrity_check")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    /** Every acknowledged create answers GET with its email, and the list holds exactly them (at most 500). */
    static void assertAcknowledgedReadable(TestHttpClient api, Map<Long, String> acknowledged) {
        for (Map.Entry<Long, String> user : acknowledged.entrySet()) {
            TestResponse got = api.get("/api/v1/users/" + user.getKey());
            assertThat(got.status()).as(got.body()).isEqualTo(200);
            assertThat(got.json().path("email").asText()).isEqualTo(user.getValue());
        }
        assertThat(api.get("/api/v1/users?limit=500").json().path("items").size())
                .isEqualTo(acknowledged.size());
    }
}
