package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory made read-only while the service runs (issue 18). A running SQLite holds its database, WAL and
 * shared-memory files open for writing, and Linux refuses {@code mount -o remount,ro} (bind or not) of a mount with
 * files open for writing (EBUSY): the one way such a directory turns read-only under a running service is the kernel's
 * own, when the file system hits an error and {@code errors=remount-ro} makes it read-only. So the data directory is an
 * ext4 image on a loop device in the child's private mount namespace, and the test raises an ext4 error through
 * {@code /sys/fs/ext4/<dev>/trigger_fs_error}. Then creates answer 503 problems that say the store cannot write, reads
 * and readiness keep working, SIGTERM still stops the service; after {@code e2fsck} and a fresh mount (ext4 refuses to
 * go back to read-write while it is mounted) the restarted service has every acknowledged user, a sound database, and
 * takes writes.
 */
class ReadOnlyDataDirIT {

    static final Path MKFS = Path.of("/usr/sbin/mkfs.ext4");
    static final Path E2FSCK = Path.of("/usr/sbin/e2fsck");

    @TempDir
    Path dir;

    @Test
    void writesAnswer503WhileTheKernelHoldsTheDataDirReadOnlyAndARestartOnTheRepairedFileSystemTakesWrites()
            throws Exception {
        Optional<String> unavailable = PrivateMounts.unavailable(dir);
        assumeTrue(unavailable.isEmpty(), () -> "skipped: " + unavailable.orElseThrow());
        assumeTrue(
                Files.isExecutable(MKFS) && Files.isExecutable(E2FSCK),
                "e2fsprogs' mkfs.ext4 or e2fsck is missing; apt-get install e2fsprogs");
        Path image = dir.resolve("data.ext4");
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(32L << 20);
        }
        PrivateMounts.run(List.of(MKFS.toString(), "-q", "-F", image.toString()), 0);
        Optional<String> noLoop = loopUnavailable(image);
        assumeTrue(noLoop.isEmpty(), () -> "skipped: " + noLoop.orElseThrow());

        Path data = dir.resolve("data");
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        try (ServiceProcess service = service(image, data, "before")) {
            TestHttpClient api = api(service);
            TestHttpClient management = TestHttpClient.create(
                    "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.MANAGEMENT));
            for (int i = 0; i < 20; i++) {
                createAcknowledged(api, "before" + i + "@example.com", acknowledged);
            }

            PrivateMounts.inNamespaceOf(
                    service.pid(),
                    "sh",
                    "-c",
                    "echo 1 > /sys/fs/ext4/$(basename $(findmnt -n -o SOURCE \"$0\"))/trigger_fs_error",
                    data.toString());

            // ext4 turns read-only from a work item: a create or two may still land first.
            AtomicReference<TestResponse> refused = new AtomicReference<>();
            int[] attempt = {0};
            Poll.until(Duration.ofSeconds(15), "a create refused on the read-only file system", () -> {
                String email = "during" + attempt[0]++ + "@example.com";
                TestResponse created = DiskFullIT.create(api, email);
                if (created.status() == 201) {
                    acknowledged.put(created.json().path("id").asLong(), email);
                    return false;
                }
                refused.set(created);
                return true;
            });
            assertCannotWriteProblem(refused.get());
            for (int i = 0; i < 5; i++) {
                assertCannotWriteProblem(DiskFullIT.create(api, "still-read-only" + i + "@example.com"));
            }
            DiskFullIT.assertAcknowledgedReadable(api, acknowledged);
            assertThat(management.get("/health/ready").status())
                    .as("reads work: the instance stays in rotation (docs/decisions.md)")
                    .isEqualTo(200);
            assertThat(service.output()).as("the operator is told why").contains("cannot be written");
            assertThat(service.output()).as("no request ended in a 500").doesNotContain("Unhandled exception");

            service.signal("TERM");
            service.awaitExit(Duration.ofSeconds(30));
        }

        // The file system is unmounted with the child's namespace; repair it as an operator would.
        PrivateMounts.run(List.of(E2FSCK.toString(), "-f", "-y", image.toString()), 1);

        try (ServiceProcess service = service(image, data, "after")) {
            TestHttpClient api = api(service);
            for (Map.Entry<Long, String> user : acknowledged.entrySet()) {
                TestResponse got = api.get("/api/v1/users/" + user.getKey());
                assertThat(got.status())
                        .as("user %d acknowledged before the error", user.getKey())
                        .isEqualTo(200);
                assertThat(got.json().path("email").asText()).isEqualTo(user.getValue());
            }
            createAcknowledged(api, "after@example.com", acknowledged);
            assertThat(DiskFullIT.integrityCheck(PrivateMounts.seenBy(service.pid(), data.resolve("users.db"))))
                    .isEqualTo("ok");
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    private ServiceProcess service(Path image, Path data, String name) {
        return UsersServiceProcessIT.smallJvm(dir)
                .java(PrivateMounts.javaWithMount(dir, "-o loop,errors=remount-ro " + image, data))
                .outputName(name)
                .args(UsersServiceProcessIT.run(
                        "http.port=0",
                        "management.port=0",
                        "data-dir=" + data,
                        "auth.enabled=false",
                        "log.access=false"))
                .start();
    }

    private static TestHttpClient api(ServiceProcess service) {
        return TestHttpClient.create(
                "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.API));
    }

    private static void createAcknowledged(TestHttpClient api, String email, Map<Long, String> acknowledged) {
        TestResponse created = DiskFullIT.create(api, email);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        acknowledged.put(created.json().path("id").asLong(), email);
    }

    private static void assertCannotWriteProblem(TestResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.header("Retry-After")).isPresent();
        assertThat(response.json().path("detail").asText()).contains("cannot write");
        assertThat(response.body())
                .doesNotContain("SQLITE")
                .doesNotContain("users.db")
                .doesNotContain("Exception");
    }

    /** Why an ext4 image cannot be loop-mounted here (no loop devices in the container), tried for real. */
    private Optional<String> loopUnavailable(Path image) {
        try {
            Path point = Files.createDirectories(dir.resolve("loop-probe"));
            PrivateMounts.run(
                    List.of(
                            PrivateMounts.UNSHARE.toString(),
                            "-m",
                            "--propagation",
                            "private",
                            "mount",
                            "-o",
                            "loop",
                            image.toString(),
                            point.toString()),
                    0);
            return Optional.empty();
        } catch (AssertionError | java.io.IOException e) {
            return Optional.of("no loop device can be mounted here: " + e.getMessage());
        }
    }
}
