package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The command line with etcd as the shared configuration source, when etcd does not answer. */
class EtcdCommandLineTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final CountDownLatch started = new CountDownLatch(1);

    final ServiceApplication app = new ServiceApplication() {
        @Override
        public String name() {
            return "demo-service";
        }

        @Override
        public String version() {
            return "1.2.3";
        }

        @Override
        public ConfigSchema configSchema() {
            return ConfigSchema.builder()
                    .add(CoreConfigKeys.all())
                    .check(CoreConfigKeys::check)
                    .build();
        }

        @Override
        public Service createService(Config config) {
            return ctx -> started.countDown();
        }
    };

    private int run(Map<String, String> env, String... args) {
        return ServiceCli.builder(app)
                .environment(env)
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runWithRequiredEtcdThatDoesNotAnswerExits78BeforeStartingAnything() throws Exception {
        String endpoint = "http://127.0.0.1:" + closedPort();

        int code = run(
                Map.of(),
                "run",
                "--set",
                "config.etcd.endpoints=" + endpoint,
                "--set",
                "config.etcd.required=true",
                "--set",
                "config.etcd.timeout=2s");

        assertThat(code).isEqualTo(78);
        assertThat(err())
                .contains(
                        "config.etcd.endpoints (from etcd): configuration is required from etcd but no etcd endpoint answered ("
                                + endpoint + ": connection refused")
                .contains("set config.etcd.required to false");
        assertThat(started.getCount()).isEqualTo(1);
    }

    @Test
    void configShowSaysWhenEtcdDidNotAnswerAndShowsTheLocalConfiguration() throws Exception {
        String endpoint = "http://127.0.0.1:" + closedPort();

        int code = run(
                Map.of(), "config", "show", "--set", "config.etcd.endpoints=" + endpoint, "--set", "log.level=debug");

        assertThat(code).isZero();
        assertThat(err())
                .contains("demo-service: note: etcd (" + endpoint
                        + ") did not answer; this is the local configuration only");
        assertThat(out()).contains("level: debug");
    }

    private static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
