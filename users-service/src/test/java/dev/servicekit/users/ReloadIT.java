package dev.servicekit.users;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configuration reload in a child JVM: SIGHUP and POST /admin/reload, valid and invalid files. File watching is
 * off here so each reload is the trigger's own (FileWatchReloadIT covers the watcher).
 */
class ReloadIT {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private void writeConfig(String logLevel, int apiPort) throws Exception {
        Files.writeString(dir.resolve("config.yaml"), """
                data-dir: %s
                http:
                  port: %d
                management:
                  port: 0
                auth:
                  enabled: false
                log:
                  level: %s
                reload:
                  watch: false
                """.formatted(dir, apiPort, logLevel));
    }

    @Test
    void sighupAppliesReloadableKeysReportsRestartKeysAndAnInvalidFileKeepsTheRunningConfig() throws Exception {
        writeConfig("info", 0);
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("run", "--config", dir.resolve("config.yaml").toString()).start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + service.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1));
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, WAIT).group(1));
            assertThat(management.get("/admin/status").json().path("config").path("lastReload").isNull()).isTrue();

            writeConfig("debug", 18089);
            service.signal("HUP");
            JsonNode reload = awaitLastReload(management);
            assertThat(reload.path("ok").asBoolean()).isTrue();
            assertThat(reload.path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(reload.path("requiresRestart").toString()).isEqualTo("[\"http.port\"]");
            assertThat(management.get("/admin/loggers/ROOT").json().path("effectiveLevel").asText()).isEqualTo("DEBUG");

            writeConfig("loud", 0);
            TestResponse refused = management.post("/admin/reload", "");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().path("detail").asText()).contains("log.level").contains("\"loud\"");
            assertThat(management.get("/admin/loggers/ROOT").json().path("effectiveLevel").asText()).isEqualTo("DEBUG");
            assertThat(management.get("/admin/status").json().path("config").path("lastReload").path("ok").asBoolean()).isFalse();
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);

            writeConfig("warn", 18089);
            TestResponse posted = management.post("/admin/reload", "");
            assertThat(posted.status()).isEqualTo(200);
            assertThat(posted.json().path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(posted.json().path("requiresRestart").toString())
                    .as("http.port changed at the first reload and is still not in effect").isEqualTo("[\"http.port\"]");
            assertThat(management.get("/admin/loggers/ROOT").json().path("effectiveLevel").asText()).isEqualTo("WARN");
            assertThat(api.get("/api/v1/users").status()).as("still on the port it started with").isEqualTo(200);

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
        }
    }

    private static JsonNode awaitLastReload(TestHttpClient management) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode last = management.get("/admin/status").json().path("config").path("lastReload");
            if (!last.isNull() && !last.isMissingNode()) {
                return last;
            }
            assertThat(System.nanoTime()).as("a reload was reported within %s", WAIT).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
