package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.FreePorts;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients holding more connections than the process has file descriptors (the shaded jar under {@code prlimit
 * --nofile=160}): the API listener stops accepting at its connection budget instead of dying on EMFILE (Helidon ends
 * a listener whose {@code accept} fails), the service stays ready and alive, and the API answers again as soon as
 * the connections close. And the store out of descriptors ({@code prlimit --pid} lowers the running service's limit to
 * the descriptors it holds): SQLite cannot open its connections and a backup cannot open its staging file, each
 * answered with a 503 problem, and all of it works again once the limit is back.
 */
class FileDescriptorExhaustionIT {

    static final int OPEN_FILES = 160;
    static final int CLIENTS = 300;

    @TempDir
    Path dir;

    @Test
    void connectionsBeyondTheDescriptorLimitWaitAndTheListenerServesAgainWhenTheyClose() throws Exception {
        Path prlimit = Path.of("/usr/bin/prlimit");
        assumeTrue(Files.isExecutable(prlimit), "util-linux's prlimit is missing; apt-get install util-linux");
        // The test's java started under the limit; the launcher's exec and the JVM keep it (soft raised to hard).
        Path java = Files.writeString(
                dir.resolve("java-with-few-files"),
                "#!/bin/sh\nexec " + prlimit + " --nofile=" + OPEN_FILES + ":" + OPEN_FILES + " "
                        + Path.of(System.getProperty("java.home"), "bin", "java") + " \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        int[] ports = FreePorts.distinct(2);
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .java(java)
                .args(UsersServiceProcessIT.run(
                        "http.port=" + ports[0],
                        "management.port=" + ports[1],
                        "auth.enabled=false",
                        "log.access=false"))
                .start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + ports[0]);
            TestHttpClient management =
                    TestHttpClient.create("http://127.0.0.1:" + ports[1]).withTimeout(Duration.ofSeconds(3));
            Poll.until(UsersServiceProcessIT.START, "the service to be ready", () -> {
                try {
                    return management.get("/health/ready").status() == 200;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            assertThat(Files.readString(Path.of("/proc/" + service.pid() + "/limits")))
                    .as("the JVM runs under the test's limit")
                    .containsPattern("Max open files\\s+" + OPEN_FILES + "\\s+" + OPEN_FILES);

            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    held.add(new Socket(InetAddress.getLoopbackAddress(), ports[0]));
                }
                Poll.during(Duration.ofSeconds(3), "the service to stay ready and under its limit", () -> {
                    long open;
                    try (var fds = Files.list(Path.of("/proc/" + service.pid() + "/fd"))) {
                        open = fds.count();
                    } catch (IOException e) {
                        return false;
                    }
                    return service.isAlive()
                            && open < OPEN_FILES
                            && management.get("/health/ready").status() == 200;
                });
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }

            Poll.until(Duration.ofSeconds(15), "the API to answer again once the connections closed", () -> {
                try {
                    return api.get("/api/v1/users?limit=1").status() == 200;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            assertThat(service.isAlive()).isTrue();
            assertThat(service.output())
                    .as("Helidon's listener never hit EMFILE")
                    .doesNotContain("Too many open files")
                    .doesNotContain("this server socket is terminating");
        }
    }

    @Test
    void theStoreOutOfDescriptorsAnswers503ProblemsAndRecoversWhenDescriptorsReturn() throws Exception {
        Path prlimit = Path.of("/usr/bin/prlimit");
        assumeTrue(Files.isExecutable(prlimit), "util-linux's prlimit is missing; apt-get install util-linux");
        int[] ports = FreePorts.distinct(2);
        try (ServiceProcess service = UsersServiceProcessIT.smallJvm(dir)
                .args(UsersServiceProcessIT.run(
                        "http.port=" + ports[0],
                        "management.port=" + ports[1],
                        "data-dir=" + dir.resolve("data"),
                        "auth.enabled=false",
                        "log.access=false"))
                .start()) {
            // One client per listener, each keeping its one connection: no accept is needed while the limit is low.
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + ports[0]);
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + ports[1]);
            Poll.until(UsersServiceProcessIT.START, "the service to be ready", () -> {
                try {
                    return management.get("/health/ready").status() == 200;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            // Only the soft limit goes down (raising a hard limit needs CAP_SYS_RESOURCE). No user route ran yet:
            // SQLite's read connections and the writer's are opened on first use.
            assertThat(api.get("/openapi.yaml").status()).isEqualTo(200);
            String limits = Files.readString(Path.of("/proc/" + service.pid() + "/limits"));

            int lowestFree = lowestFreeDescriptor(service.pid());
            run(
                    prlimit.toString(),
                    "--pid",
                    Long.toString(service.pid()),
                    "--nofile=" + lowestFree + ":" + hardLimit(limits).split(":")[1]);
            try {
                TestResponse read = api.get("/api/v1/users?limit=1");
                assertUnavailableProblem(read);
                TestResponse write = api.post("/api/v1/users", "{\"name\":\"Fd\",\"email\":\"fd@example.com\"}");
                assertUnavailableProblem(write);
                TestResponse backup = management.post("/admin/backup", "");
                assertUnavailableProblem(backup);
                assertThat(backup.json().path("detail").asText()).contains("file descriptors");
                assertThat(service.isAlive()).isTrue();
            } finally {
                run(prlimit.toString(), "--pid", Long.toString(service.pid()), "--nofile=" + hardLimit(limits));
            }

            TestResponse created = api.post("/api/v1/users", "{\"name\":\"Fd\",\"email\":\"fd@example.com\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(api.get("/api/v1/users?limit=1").status()).isEqualTo(200);
            assertThat(management.post("/admin/backup", "").status()).isEqualTo(200);
            assertThat(management.get("/health/ready").status()).isEqualTo(200);
            assertThat(service.output()).as("no request ended in a 500").doesNotContain("Unhandled exception");
        }
    }

    private static void assertUnavailableProblem(TestResponse response) {
        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.header("Retry-After")).isPresent();
    }

    /** The descriptor the next open would get: any limit at or below it makes every open fail with EMFILE. */
    private static int lowestFreeDescriptor(long pid) throws IOException {
        java.util.Set<Integer> open = new java.util.HashSet<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds.forEach(fd -> open.add(Integer.parseInt(fd.getFileName().toString())));
        }
        int free = 0;
        while (open.contains(free)) {
            free++;
        }
        return free;
    }

    private static String hardLimit(String limits) {
        var m = java.util.regex.Pattern.compile("Max open files\\s+(\\S+)\\s+(\\S+)")
                .matcher(limits);
        assertThat(m.find()).as(limits).isTrue();
        return m.group(1) + ":" + m.group(2);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor())
                .as(String.join(" ", command) + ": " + output)
                .isZero();
    }
}
