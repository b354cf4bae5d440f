package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.testing.EtcdServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line with etcd as the shared configuration source: a real etcd on loopback ({@link EtcdServer}), and
 * one that does not answer.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdCommandLineTest {

    static final String PREFIX = "/demo-service/config/";

    @TempDir
    Path dir;

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
        return cli(env).execute(args);
    }

    private ServiceCli cli(Map<String, String> env) {
        return ServiceCli.builder(app)
                .environment(env)
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build();
    }

    /** The data directory's config.yaml (the file every verb reads by default) with these lines and etcd's address. */
    private Map<String, String> dataDirWithConfig(EtcdServer etcd, String yaml) throws Exception {
        Files.writeString(
                dir.resolve("config.yaml"), yaml + "config:\n  etcd:\n    endpoints: [" + etcd.endpoint() + "]\n");
        return Map.of("DEMO_SERVICE_DATA_DIR", dir.toString());
    }

    /**
     * Puts log.level=debug under the prefix, turns etcd's authentication on with a user "demo" who may read the
     * prefix, and writes the data directory's config.yaml naming etcd, that user, its password file (returned) and
     * {@code etcdLines} (more config.etcd keys, indented by four).
     */
    private Path withUserDemo(EtcdServer etcd, String etcdLines) throws Exception {
        etcd.put(PREFIX + "log.level", "debug");
        etcd.enableAuth("root-secret", "demo", "demo-secret", PREFIX);
        Path password = Files.writeString(dir.resolve("etcd-password"), "demo-secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(
                dir.resolve("config.yaml"),
                "config:\n  etcd:\n    endpoints: [" + etcd.endpoint() + "]\n" + etcdLines
                        + "    username: demo\n    password-file: " + password + "\n");
        return password;
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

    @Test
    void aFileValueThatIsValidOnlyWithEtcdsValueIsAcceptedByValidateAndRun() throws Exception {
        EtcdConfigSourceTest.requireEtcd();
        try (EtcdServer etcd = EtcdServer.start(dir.resolve("etcd"))) {
            etcd.put(PREFIX + "shutdown.timeout", "60s");
            // 40s is not shorter than the default shutdown.timeout (30s), but is shorter than etcd's 60s.
            Map<String, String> env = dataDirWithConfig(etcd, "shutdown:\n  drain-timeout: 40s\n");

            int code = run(env, "config", "validate");

            assertThat(code).as(err()).isZero();
            assertThat(out()).contains("Configuration is valid");
            ServiceHost host = cli(env).start("reload.watch=false");
            try {
                assertThat(started.getCount()).isZero();
                assertThat(host.configuration().orElseThrow().get(CoreConfigKeys.SHUTDOWN_TIMEOUT))
                        .isEqualTo(Duration.ofSeconds(60));
                assertThat(host.configuration().orElseThrow().get(CoreConfigKeys.SHUTDOWN_DRAIN_TIMEOUT))
                        .isEqualTo(Duration.ofSeconds(40));
            } finally {
                host.stop();
            }
        }
    }

    @Test
    void theSameFileWithoutEtcdsValueExits78NamingTheKey() throws Exception {
        EtcdConfigSourceTest.requireEtcd();
        try (EtcdServer etcd = EtcdServer.start(dir.resolve("etcd"))) {
            Map<String, String> env = dataDirWithConfig(etcd, "shutdown:\n  drain-timeout: 40s\n");

            int validate = run(env, "config", "validate");
            int start = run(env, "run");

            assertThat(validate).isEqualTo(78);
            assertThat(start).isEqualTo(78);
            assertThat(err())
                    .contains("shutdown.drain-timeout (from " + dir.resolve("config.yaml")
                            + "): \"40s\" must be shorter than shutdown.timeout (\"30s\")");
            assertThat(started.getCount()).isEqualTo(1);
        }
    }

    @Test
    void withEtcdAuthenticationTheUserFromTheFileReadsAndAWrongPasswordExits78WithoutShowingIt() throws Exception {
        EtcdConfigSourceTest.requireEtcd();
        try (EtcdServer etcd = EtcdServer.start(dir.resolve("etcd"))) {
            Path password = withUserDemo(etcd, "    required: true\n");
            Map<String, String> env = Map.of("DEMO_SERVICE_DATA_DIR", dir.toString());

            assertThat(run(env, "config", "show")).as(err()).isZero();
            assertThat(out()).contains("level: debug");

            Files.writeString(password, "not-the-password\n");
            int code = run(env, "run");

            assertThat(code).isEqualTo(78);
            assertThat(err())
                    .contains("etcd refused user \"demo\" (etcdserver: authentication failed, invalid user ID or"
                            + " password)")
                    .doesNotContain("not-the-password")
                    .doesNotContain("demo-secret");
            assertThat(started.getCount()).isEqualTo(1);
        }
    }

    @Test
    void doctorSaysWhetherEtcdWasReadAndWhyNot() throws Exception {
        EtcdConfigSourceTest.requireEtcd();
        try (EtcdServer etcd = EtcdServer.start(dir.resolve("etcd"))) {
            Path password = withUserDemo(etcd, "    timeout: 2s\n");
            Map<String, String> env = Map.of("DEMO_SERVICE_DATA_DIR", dir.toString());

            run(env, "doctor");
            assertThat(out()).contains("ok             shared config: etcd (" + etcd.endpoint() + "): read 1 key(s)");

            out.reset();
            Files.writeString(password, "not-the-password\n");
            run(env, "doctor");
            assertThat(out())
                    .contains("warning        shared config: etcd (" + etcd.endpoint() + ") did not answer: no etcd"
                            + " endpoint answered (" + etcd.endpoint() + ": etcd refused user \"demo\"")
                    .contains("the service starts from the local configuration")
                    .doesNotContain("not-the-password");
            assertThat(err()).as("the finding says it, not a note on stderr").doesNotContain("did not answer");
        }
    }

    @Test
    void aProblemWithTheEtcdKeysIsListedWithEveryOtherLocalProblemBeforeEtcdIsAsked() throws Exception {
        Files.writeString(dir.resolve("config.yaml"), "shutdown:\n  drain-timeout: 40s\n");

        int code = run(
                Map.of("DEMO_SERVICE_DATA_DIR", dir.toString()),
                "config",
                "validate",
                "--set",
                "config.etcd.endpoints=http://127.0.0.1:" + closedPort(),
                "--set",
                "config.etcd.timeout=0s");

        assertThat(code).isEqualTo(78);
        assertThat(err())
                .contains("config.etcd.timeout (from --set): \"0s\" leaves no time to reach etcd")
                .contains("shutdown.drain-timeout (from " + dir.resolve("config.yaml") + "): \"40s\" must be shorter")
                .doesNotContain("did not answer");
    }

    @Test
    void endpointsAreTriedInOrderSoADeadFirstOneStillReadsTheConfigurationFromTheSecond() throws Exception {
        EtcdConfigSourceTest.requireEtcd();
        try (EtcdServer etcd = EtcdServer.start(dir.resolve("etcd"))) {
            etcd.put(PREFIX + "log.level", "debug");
            String dead = "http://127.0.0.1:" + closedPort();

            int code = run(
                    Map.of(),
                    "config",
                    "show",
                    "--set",
                    "config.etcd.endpoints=" + dead + "," + etcd.endpoint(),
                    "--set",
                    "config.etcd.required=true");

            assertThat(code).as(err()).isZero();
            assertThat(err()).doesNotContain("did not answer");
            assertThat(out()).contains("level: debug");
        }
    }

    private static int closedPort() throws java.io.IOException {
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
