package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash loop (issue 18, SPEC §16): the real service in a child JVM on one data directory, {@value #CLIENTS} clients
 * creating users and recording every id answered 201, {@code kill -9} at a seeded random moment (after a random
 * number of acknowledged creates, so in the middle of the writer's batches), then: {@code PRAGMA integrity_check} on
 * the file the killed process left, and every acknowledged create in it; the service restarted on the same directory
 * serves every acknowledged user. {@value #DEFAULT_ITERATIONS} iterations in {@code ./mvnw verify};
 * {@code bench/crashloop.sh N} runs more ({@code -Dcrashloop.iterations=N}, {@code -Dcrashloop.seed=S}).
 */
class CrashLoopIT {

    static final int DEFAULT_ITERATIONS = 10;
    static final int CLIENTS = 4;

    @TempDir
    Path dir;

    @Test
    void killMinus9UnderWriteLoadNeverCorruptsTheDatabaseNorLosesAnAcknowledgedCreate() throws Exception {
        int iterations = Integer.getInteger("crashloop.iterations", DEFAULT_ITERATIONS);
        long seed = Long.getLong("crashloop.seed", 18L);
        Random random = new Random(seed);
        Path data = dir.resolve("data");
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        Queue<String> unexpected = new ConcurrentLinkedQueue<>();
        StringBuilder report = new StringBuilder();
        for (int iteration = 1; iteration <= iterations; iteration++) {
            // Kill after 1 to 150 more acknowledged creates: in the first batch or well into the load.
            int killAfter = 1 + random.nextInt(150);
            int before = acknowledged.size();
            long killedAt;
            try (ServiceProcess service = start(data, "iteration-" + iteration)) {
                TestHttpClient api = TestHttpClient.create(
                                "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.API))
                        .withTimeout(Duration.ofSeconds(10));
                assertAllReadable(api, acknowledged, iteration);

                AtomicBoolean killed = new AtomicBoolean();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    String prefix = "i" + iteration + "-c" + c + "-";
                    clients.add(Thread.ofVirtual().start(() -> {
                        for (int i = 0; !killed.get(); i++) {
                            String email = prefix + i + "@example.com";
                            TestResponse response;
                            try {
                                response =
                                        api.post("/api/v1/users", "{\"name\":\"Crash\",\"email\":\"" + email + "\"}");
                            } catch (UncheckedIOException e) {
                                return; // the process is gone: this create was never acknowledged
                            }
                            if (response.status() == 201) {
                                acknowledged.put(response.json().path("id").asLong(), email);
                            } else if (!killed.get()) {
                                unexpected.add(email + " -> " + response.status() + " " + response.body());
                            }
                        }
                    }));
                }
                Poll.until(
                        Duration.ofSeconds(60),
                        killAfter + " more creates acknowledged",
                        () -> acknowledged.size() - before >= killAfter || !service.isAlive());
                killed.set(true);
                service.kill9();
                killedAt = acknowledged.size();
                for (Thread client : clients) {
                    client.join(Duration.ofSeconds(30));
                }
            }
            assertThat(unexpected).as("answers other than 201 before the kill").isEmpty();
            Map<Long, String> inFile = checkFile(data.resolve("users.db"), iteration);
            assertThat(inFile)
                    .as("iteration %d: every create acknowledged before kill -9 is in the file", iteration)
                    .containsAllEntriesOf(acknowledged);
            report.append(String.format(
                    "iteration %d: kill -9 after %d acknowledged creates (%d in all), %d rows, integrity ok%n",
                    iteration, killedAt - before, killedAt, inFile.size()));
        }
        try (ServiceProcess service = start(data, "final")) {
            TestHttpClient api = TestHttpClient.create(
                    "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.API));
            assertAllReadable(api, acknowledged, iterations + 1);
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        report.append(String.format(
                "%d iterations (seed %d): %d acknowledged creates, 0 lost, 0 corrupt%n",
                iterations, seed, acknowledged.size()));
        System.out.print(report);
        Files.writeString(
                Path.of(System.getProperty(
                        "crashloop.report", dir.resolve("crashloop.txt").toString())),
                report,
                StandardCharsets.UTF_8);
    }

    private ServiceProcess start(Path data, String name) {
        return UsersServiceProcessIT.smallJvm(dir)
                .outputName(name)
                .args(UsersServiceProcessIT.run(
                        "http.port=0",
                        "management.port=0",
                        "data-dir=" + data,
                        "auth.enabled=false",
                        "log.access=false"))
                .start();
    }

    /** Every acknowledged user, read back page by page through the API of the restarted service. */
    private static void assertAllReadable(TestHttpClient api, Map<Long, String> acknowledged, int iteration) {
        Map<Long, String> served = new HashMap<>();
        String path = "/api/v1/users?limit=500";
        while (path != null) {
            TestResponse page = api.get(path);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            JsonNode body = page.json();
            for (JsonNode user : body.path("items")) {
                served.put(user.path("id").asLong(), user.path("email").asText());
            }
            String cursor = body.path("nextCursor").asText(null);
            path = cursor == null || cursor.isEmpty()
                    ? null
                    : "/api/v1/users?limit=500&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
        }
        assertThat(served)
                .as("restart %d: the service serves every acknowledged create", iteration)
                .containsAllEntriesOf(acknowledged);
    }

    /** {@code PRAGMA integrity_check} on the file the killed process left, and its users. */
    private static Map<Long, String> checkFile(Path database, int iteration) throws SQLException {
        Map<Long, String> users = new HashMap<>();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
                Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("PRAGMA integrity_check")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1))
                        .as("iteration %d: integrity_check", iteration)
                        .isEqualTo("ok");
            }
            try (ResultSet rs = statement.executeQuery("SELECT id, email FROM users")) {
                while (rs.next()) {
                    users.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return users;
    }
}
