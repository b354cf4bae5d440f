package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.EtcdServer;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of two users-service child JVMs sharing one etcd prefix: a change put into etcd reaches both within
 * 2 s, both keep serving while etcd is down, and both follow etcd again once it is back.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class EtcdReloadIT {

    static final String PREFIX = "/users-service/config/";
    static final Duration APPLY = Duration.ofSeconds(2);
    static final Duration RECONNECT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    EtcdServer etcd;

    /** Skips without etcd locally; on CI (CI=true) .ci/run installs it, so a missing etcd fails. */
    @BeforeAll
    static void etcdInstalled() {
        Optional<String> missing = EtcdServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("EtcdReloadIT cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("EtcdReloadIT skipped: " + reason));
        assumeTrue(missing.isEmpty(), "etcd E2E skipped: " + missing.orElse(""));
    }

    @BeforeEach
    void startEtcd() {
        etcd = EtcdServer.start(dir.resolve("etcd"));
    }

    @AfterEach
    void stopEtcd() {
        etcd.close();
    }

    /** One running instance and its two listeners. */
    record Instance(ServiceProcess process, TestHttpClient api, TestHttpClient management) {
        String rootLevel() {
            return management
                    .get("/admin/loggers/ROOT")
                    .json()
                    .path("effectiveLevel")
                    .asText();
        }
    }

    private ServiceProcess launch(String name) {
        return UsersServiceProcessIT.smallJvm(dir)
                .outputName(name)
                .args(UsersServiceProcessIT.run(
                        "http.port=0",
                        "management.port=0",
                        "auth.enabled=false",
                        "data-dir=" + dir.resolve(name),
                        "config.etcd.endpoints=" + etcd.endpoint()))
                .start();
    }

    @Test
    void bothInstancesApplyALogLevelPutIntoEtcdKeepServingWhileEtcdIsDownAndFollowItAfterARestart() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        try (ServiceProcess a = launch("a");
                ServiceProcess b = launch("b")) {
            List<Instance> fleet = List.of(instance(a), instance(b));
            for (Instance instance : fleet) {
                assertThat(instance.rootLevel()).isEqualTo("INFO");
            }

            etcd.put(PREFIX + "log.level", "debug");
            awaitAll(fleet, APPLY, instance -> instance.rootLevel().equals("DEBUG"), "log.level debug from etcd");

            for (Instance instance : fleet) {
                assertThat(shared(instance).path("source").asText()).isEqualTo("etcd (" + etcd.endpoint() + ")");
                assertThat(shared(instance).path("connected").asBoolean()).isTrue();
                assertThat(shared(instance).path("lastFailure").isNull()).isTrue();
            }
            try (ServiceProcess status = UsersServiceProcessIT.smallJvm(dir)
                    .outputName("status-a")
                    .args(
                            "status",
                            "--set",
                            "data-dir=" + dir.resolve("a"),
                            "--set",
                            "auth.enabled=false",
                            "--set",
                            "config.etcd.endpoints=" + etcd.endpoint())
                    .start()) {
                assertThat(status.awaitExit(UsersServiceProcessIT.START))
                        .as(status.output())
                        .isZero();
                assertThat(status.stdout()).contains("shared config:   etcd (" + etcd.endpoint() + ") (connected)");
            }

            etcd.stop();
            for (Instance instance : fleet) {
                instance.process().awaitOutput(java.util.regex.Pattern.compile("etcd configuration: lost"), RECONNECT);
                assertThat(shared(instance).path("connected").asBoolean())
                        .as("status says etcd is away")
                        .isFalse();
                assertThat(shared(instance).path("lastFailure").asText()).startsWith(etcd.endpoint() + ": ");
                assertThat(instance.api().get("/api/v1/users").status()).isEqualTo(200);
                assertThat(instance.management().get("/health/ready").status()).isEqualTo(200);
                assertThat(instance.rootLevel())
                        .as("the last etcd snapshot stays in force")
                        .isEqualTo("DEBUG");
            }

            etcd.start();
            etcd.put(PREFIX + "log.level", "warn");
            awaitAll(
                    fleet,
                    RECONNECT,
                    instance -> instance.rootLevel().equals("WARN"),
                    "log.level warn after etcd restarted");
            for (Instance instance : fleet) {
                assertThat(shared(instance).path("connected").asBoolean()).isTrue();
                assertThat(instance.api().get("/api/v1/users").status()).isEqualTo(200);
                instance.process().signal("TERM");
                assertThat(instance.process().awaitExit(UsersServiceProcessIT.START))
                        .isZero();
            }
        }
    }

    /** {@code config.shared} of {@code /admin/status}: the shared source, whether it is connected, and why not. */
    private static com.fasterxml.jackson.databind.JsonNode shared(Instance instance) {
        return instance.management().get("/admin/status").json().path("config").path("shared");
    }

    @Test
    void aBadValuePutIntoEtcdIsRefusedTheRunningValueStaysAndStatusAndTheLogSayWhy() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        try (ServiceProcess a = launch("a")) {
            Instance instance = instance(a);
            assertThat(instance.rootLevel()).isEqualTo("INFO");
            String hash = config(instance).path("hash").asText();

            etcd.put(PREFIX + "log.level", "loud");

            JsonNode last = Poll.until(
                    APPLY,
                    "the reload after etcd's bad value to show in /admin/status",
                    () -> config(instance).path("lastReload"),
                    report -> !report.isNull() && !report.isMissingNode());
            String problem = "log.level (from etcd " + etcd.endpoint() + " " + PREFIX
                    + "log.level): \"loud\" is not valid; expected one of trace, debug, info, warn, error";
            assertThat(last.path("ok").asBoolean()).isFalse();
            assertThat(last.path("error").asText()).contains(problem);
            assertThat(instance.rootLevel()).as("the running log level stays").isEqualTo("INFO");
            assertThat(config(instance).path("hash").asText())
                    .as("the running configuration stays")
                    .isEqualTo(hash);
            a.awaitOutput(
                    java.util.regex.Pattern.compile(
                            "WARN .*Configuration reload: reload refused, the running configuration stays"),
                    APPLY);
            assertThat(a.output()).contains(problem);
            assertThat(instance.api().get("/api/v1/users").status()).isEqualTo(200);

            etcd.put(PREFIX + "log.level", "debug");
            awaitAll(
                    List.of(instance),
                    APPLY,
                    i -> i.rootLevel().equals("DEBUG"),
                    "log.level debug from etcd after the bad value");
            a.signal("TERM");
            assertThat(a.awaitExit(UsersServiceProcessIT.START)).isZero();
        }
    }

    /** The {@code config} section of {@code /admin/status}: {@code hash} and {@code lastReload}. */
    private static JsonNode config(Instance instance) {
        return instance.management().get("/admin/status").json().path("config");
    }

    /** {@code limits.max-body-size} is reloadable: a new limit put into etcd reaches both instances' body checks. */
    @Test
    void bothInstancesApplyAChangedBodyLimitPutIntoEtcd() throws Exception {
        String body = "{\"name\":\"Limit\",\"email\":\"limit@example.com\",\"padding\":\"" + "x".repeat(200) + "\"}";
        try (ServiceProcess a = launch("a");
                ServiceProcess b = launch("b")) {
            List<Instance> fleet = List.of(instance(a), instance(b));
            for (Instance instance : fleet) {
                assertThat(instance.api().post("/api/v1/users", body).status())
                        .as("a 250-byte body under the default 1MB limit")
                        .isNotEqualTo(413);
            }

            etcd.put(PREFIX + "limits.max-body-size", "100");
            awaitAll(
                    fleet,
                    APPLY,
                    instance -> instance.api().post("/api/v1/users", body).status() == 413,
                    "a body over the new 100-byte limit from etcd to get 413");
        }
    }

    private Instance instance(ServiceProcess process) {
        return new Instance(
                process,
                TestHttpClient.create("http://127.0.0.1:"
                        + process.awaitOutput(UsersServiceProcessIT.API, UsersServiceProcessIT.START)
                                .group(1)),
                TestHttpClient.create("http://127.0.0.1:"
                        + process.awaitOutput(UsersServiceProcessIT.MANAGEMENT, UsersServiceProcessIT.START)
                                .group(1)));
    }

    /** Waits, within one deadline for the whole fleet, until every instance shows {@code applied}. */
    private static void awaitAll(List<Instance> fleet, Duration within, Predicate<Instance> applied, String what) {
        List<Instance> waiting = new ArrayList<>(fleet);
        try {
            Poll.until(within, "every instance to apply " + what, () -> {
                waiting.removeIf(applied);
                return waiting.isEmpty();
            });
        } catch (AssertionError e) {
            Instance late = waiting.getFirst();
            throw new AssertionError(
                    String.format(
                            "instance %s did not apply %s within %s; output:%n%s",
                            late.process().pid(), what, within, late.process().output()),
                    e);
        }
    }
}
