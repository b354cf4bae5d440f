package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.FreePorts;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads nobody asked for by signal: the configuration file watcher in a child JVM, and the {@code reload} verb
 * reaching a foreground {@code run} through its loopback management listener.
 */
class FileWatchReloadIT {

    static final Duration WAIT = Duration.ofSeconds(60);
    /** How soon an edit must be in effect (the watcher's debounce is 200 ms). */
    static final Duration EDIT_VISIBLE = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private Path config() {
        return dir.resolve("config.yaml");
    }

    private void writeConfig(String logLevel) throws Exception {
        Files.writeString(config(), """
                data-dir: %s
                http:
                  port: 0
                management:
                  port: 0
                auth:
                  enabled: false
                log:
                  level: %s
                """.formatted(dir, logLevel));
    }

    @Test
    void anEditedFileIsReloadedAnInvalidOneKeptOutAndTheNextValidOneRecovers() throws Exception {
        writeConfig("info");
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("run", "--config", config().toString())
                .start()) {
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, WAIT)
                            .group(1));
            service.awaitOutput(Pattern.compile("Watching .*config\\.yaml for changes"), WAIT);
            assertThat(reloads(management, "ok")).isZero();

            writeConfig("debug");
            Poll.until(
                    EDIT_VISIBLE,
                    "log.level DEBUG applied within " + EDIT_VISIBLE + " of the write",
                    () -> rootLevel(management),
                    "DEBUG"::equals);
            Poll.until(WAIT, "one ok reload", () -> reloads(management, "ok"), n -> n == 1);
            assertThat(reloads(management, "failed")).isZero();

            Files.writeString(config(), Files.readString(config()).replace("level: debug", "level: loud"));
            JsonNode refused = Poll.until(
                    WAIT,
                    "a refused reload",
                    () -> lastReload(management),
                    r -> !r.path("ok").asBoolean(true));
            assertThat(refused.path("error").asText()).contains("log.level").contains("\"loud\"");
            assertThat(rootLevel(management))
                    .as("the running configuration stays")
                    .isEqualTo("DEBUG");
            Poll.until(WAIT, "one failed reload", () -> reloads(management, "failed"), n -> n == 1);

            writeConfig("warn");
            JsonNode recovered = Poll.until(
                    WAIT,
                    "a successful reload",
                    () -> lastReload(management),
                    r -> r.path("ok").asBoolean(false));
            assertThat(recovered.path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(rootLevel(management)).isEqualTo("WARN");
            Poll.until(WAIT, "two ok reloads", () -> reloads(management, "ok"), n -> n == 2);

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void theReloadVerbAsksAForegroundRunThroughItsManagementListenerWithAMintedAdminToken() throws Exception {
        int[] ports = FreePorts.distinct(2);
        int managementPort = ports[0];
        int newApiPort = ports[1];
        String initial = """
                data-dir: %s
                http:
                  port: 0
                management:
                  port: %d
                log:
                  level: info
                reload:
                  watch: false
                """.formatted(dir, managementPort);
        Files.writeString(config(), initial);
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("run", "--config", config().toString())
                .start()) {
            String apiPort =
                    service.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1);
            service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, WAIT);

            Files.writeString(
                    config(), initial.replace("port: 0", "port: " + newApiPort).replace("level: info", "level: debug"));
            try (ServiceProcess reload = verb("reload-ok", "reload", "--config", config().toString())) {
                assertThat(reload.awaitExit(WAIT)).as(reload.output()).isZero();
                assertThat(reload.stdout())
                        .contains("users-service reloaded its configuration")
                        .contains("applied:          log.level")
                        .contains("requires restart: http.port");
                assertThat(reload.stderr())
                        .contains("asking the management listener at http://127.0.0.1:" + managementPort);
            }
            assertThat(TestHttpClient.create("http://127.0.0.1:" + apiPort)
                            .get("/api/v1/users")
                            .status())
                    .as("the API stays on the port it started with (auth is on, so 401)")
                    .isEqualTo(401);
            assertThat(service.output()).contains("reload-verb");

            Files.writeString(config(), initial.replace("level: info", "level: loud"));
            try (ServiceProcess reload = verb("reload-invalid", "reload", "--config", config().toString())) {
                assertThat(reload.awaitExit(WAIT)).as(reload.output()).isEqualTo(78);
                assertThat(reload.stderr())
                        .as("the verb reads the same file first and lists its problems")
                        .contains("log.level")
                        .contains("\"loud\"");
            }
            Files.writeString(config(), initial.replace("level: info", "level: debug"));
            try (ServiceProcess reload = verb("reload-after", "reload", "--config", config().toString())) {
                assertThat(reload.awaitExit(WAIT)).as(reload.output()).isZero();
                assertThat(reload.stdout())
                        .as("the invalid file never reached the service, debug is still in effect")
                        .contains("users-service reloaded its configuration: unchanged");
            }

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void theReloadVerbSaysSoWhenNothingRunsAndRefusesANonLoopbackListener() throws Exception {
        Files.writeString(config(), """
                data-dir: %s
                management:
                  port: %d
                auth:
                  enabled: false
                """.formatted(dir, FreePorts.one()));
        try (ServiceProcess reload = verb("reload-nothing", "reload", "--config", config().toString())) {
            assertThat(reload.awaitExit(WAIT)).as(reload.output()).isEqualTo(3);
            assertThat(reload.stderr())
                    .contains("users-service is not running")
                    .contains("nothing answers at http://127.0.0.1:");
        }
        try (ServiceProcess reload =
                verb("reload-remote", "reload", "--config", config().toString(), "--set", "management.host=0.0.0.0")) {
            assertThat(reload.awaitExit(WAIT)).as(reload.output()).isEqualTo(1);
            assertThat(reload.stderr()).contains("management.host \"0.0.0.0\" is not a loopback address");
        }
    }

    private ServiceProcess verb(String name, String... args) {
        return ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .outputName(name)
                .args(args)
                .start();
    }

    private static String rootLevel(TestHttpClient management) {
        return management
                .get("/admin/loggers/ROOT")
                .json()
                .path("effectiveLevel")
                .asText();
    }

    private static JsonNode lastReload(TestHttpClient management) {
        return management.get("/admin/status").json().path("config").path("lastReload");
    }

    private static final Pattern RELOADS =
            Pattern.compile("^servicekit_reloads_total\\{result=\"(ok|failed)\"} (\\S+)$", Pattern.MULTILINE);

    /** {@code servicekit_reloads_total{result=…}} from a real scrape of {@code /metrics}. */
    private static long reloads(TestHttpClient management, String result) {
        Matcher m = RELOADS.matcher(management.get("/metrics").body());
        while (m.find()) {
            if (m.group(1).equals(result)) {
                return (long) Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no servicekit_reloads_total{result=\"" + result + "\"} in /metrics");
    }
}
