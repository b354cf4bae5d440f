package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nginx test server: a real nginx, configured, reloaded and stopped the way the fleet tests use it. */
class NginxServerTest {

    /** A server block that answers by itself with the text given for {{TEXT}}. */
    static final String ANSWERS = "# {{COMMENTED}} placeholders need no value\n"
            + "server {\n    listen {{LISTEN}};\n    location / { return 200 \"{{TEXT}}\"; }\n}\n";

    @TempDir
    Path dir;

    @BeforeAll
    static void nginxInstalled() {
        Optional<String> missing = NginxServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("NginxServerTest cannot run on CI: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), "nginx tests skipped: " + missing.orElse(""));
    }

    @Test
    void servesTheGivenConfigurationReloadsANewOneAndStopsWithItsWorkers() {
        TestHttpClient client;
        List<ProcessHandle> processes;
        try (NginxServer nginx = NginxServer.start(dir, ANSWERS, Map.of("TEXT", "first"))) {
            client = TestHttpClient.create("http://127.0.0.1:" + nginx.port());
            assertThat(client.get("/").body()).isEqualTo("first");
            assertThat(nginx.serverConfig()).contains("listen 127.0.0.1:" + nginx.port() + ";");

            nginx.reload(ANSWERS, Map.of("TEXT", "second"));

            assertThat(nginx.reloads()).isEqualTo(1);
            assertThat(client.get("/").body()).isEqualTo("second");
            assertThat(nginx.accessLog()).contains("200 \"GET / HTTP/1.1\"");
            ProcessHandle master = ProcessHandle.of(nginx.pid()).orElseThrow();
            processes = new java.util.ArrayList<>(master.descendants().toList());
            processes.add(master);
            assertThat(processes).hasSizeGreaterThanOrEqualTo(2); // the master and its worker

            int port = nginx.port();
            nginx.stop();

            assertThat(nginx.isRunning()).isFalse();
            assertThat(processes).noneMatch(ProcessHandle::isAlive);
            assertThat(accepts(port)).isFalse();
        }
    }

    @Test
    void aPlaceholderWithoutAValueIsNamed() {
        assertThatThrownBy(() -> NginxServer.start(dir, ANSWERS, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("{{TEXT}}")
                .hasMessageNotContaining("COMMENTED");
    }

    @Test
    void aConfigurationNginxRefusesFailsTheStartWithNginxsReason() {
        assertThatThrownBy(
                        () -> NginxServer.start(dir, "server { listen {{LISTEN}}; no_such_directive on; }", Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unknown directive \"no_such_directive\"");
    }

    @Test
    void proxiesToTheUpstreamsItIsGiven() {
        try (NginxServer backend = NginxServer.start(dir.resolve("backend"), ANSWERS, Map.of("TEXT", "from backend"));
                NginxServer proxy = NginxServer.start(
                        dir.resolve("proxy"),
                        "upstream u { server {{API_1}}; }\n"
                                + "server { listen {{LISTEN}}; location / { proxy_pass http://u; } }\n",
                        NginxServer.upstreams(backend.port()))) {
            TestResponse response =
                    TestHttpClient.create("http://127.0.0.1:" + proxy.port()).get("/");

            assertThat(response.body()).isEqualTo("from backend");
            assertThat(proxy.accessLog()).contains("127.0.0.1:" + backend.port() + " 200");
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
