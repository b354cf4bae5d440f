package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigLayer;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.PemTlsFiles;
import dev.servicekit.testing.EtcdServer;
import dev.servicekit.testing.FreePorts;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestIdentities;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link EtcdConfigSource} against a real etcd on loopback ({@link EtcdServer} from the test kit). */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdConfigSourceTest {

    static final String PREFIX = "/svc/config/";
    static final Duration WAIT = Duration.ofSeconds(10);
    static final ConfigSchema SCHEMA =
            ConfigSchema.builder().add(CoreConfigKeys.all()).build();

    @TempDir
    Path dir;

    /** Where {@link #identities} keeps the certificates the TLS tests share. */
    @TempDir
    static Path pki;

    /** The TLS tests' certificates by key algorithm, made on first use (see {@link #identities}). */
    private static final Map<String, List<TestIdentities.Identity>> IDENTITIES = new java.util.HashMap<>();

    EtcdServer etcd;
    EtcdConfigSource source;

    /** Skips without etcd locally; on CI (CI=true) .ci/run installs it, so a missing etcd fails. */
    static void requireEtcd() {
        Optional<String> missing = EtcdServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("etcd tests cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("EtcdConfigSourceTest skipped: " + reason));
        assumeTrue(missing.isEmpty(), "etcd tests skipped: " + missing.orElse(""));
    }

    @BeforeAll
    static void etcdInstalled() {
        requireEtcd();
    }

    @BeforeEach
    void startEtcd() {
        etcd = EtcdServer.start(dir.resolve("etcd"));
    }

    @AfterEach
    void stopAll() {
        if (source != null) {
            source.close();
        }
        etcd.close();
    }

    private EtcdConfigSource.Builder source() {
        return EtcdConfigSource.builder(List.of(URI.create(etcd.endpoint())), PREFIX)
                .timeout(Duration.ofSeconds(2));
    }

    /** A source that reaches etcd through {@code proxy}. */
    private static EtcdConfigSource.Builder throughProxy(FreezableProxy proxy) {
        return EtcdConfigSource.builder(List.of(proxy.endpoint()), PREFIX).timeout(Duration.ofSeconds(2));
    }

    private Config load(ConfigLayer layer, Map<String, String> environment, String... overrides) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "log:\n  level: warn\n  format: json\n  access: false\n");
        return ConfigLoader.builder(SCHEMA)
                .file(file, true)
                .layer(layer)
                .environmentPrefix("SVC")
                .environment(environment)
                .overrides(List.of(overrides))
                .build()
                .load();
    }

    @Test
    void readsThePrefixOnlyAndLayersItBetweenTheFileAndTheEnvironment() throws Exception {
        etcd.put(PREFIX + "log.level", "debug");
        etcd.put(PREFIX + "log.format", "text");
        etcd.put(PREFIX + "log.access", "true");
        etcd.put("/svc/configx/log.level", "error"); // shares the prefix's text but not the prefix
        etcd.put("/other/config/log.level", "trace");
        source = source().build();

        assertThat(source.load()).isTrue();
        Config config = load(source.layer(), Map.of("SVC_LOG_FORMAT", "json"), "log.access=false");

        assertThat(config.get(CoreConfigKeys.LOG_LEVEL)).isEqualTo("debug"); // etcd beats the file
        assertThat(config.source(CoreConfigKeys.LOG_LEVEL))
                .isEqualTo("etcd " + etcd.endpoint() + " " + PREFIX + "log.level");
        assertThat(config.get(CoreConfigKeys.LOG_FORMAT)).isEqualTo("json"); // the environment beats etcd
        assertThat(config.get(CoreConfigKeys.LOG_ACCESS)).isFalse(); // --set beats etcd
        assertThat(source.layer().values())
                .extracting(ConfigLayer.Value::key)
                .containsExactlyInAnyOrder("log.level", "log.format", "log.access");
    }

    @Test
    void badValuesUnknownKeysAndBootstrapKeysFromEtcdAreAllReportedWithTheirSource() throws Exception {
        etcd.put(PREFIX + "log.level", "loud");
        etcd.put(PREFIX + "log.levle", "debug");
        etcd.put(PREFIX + "config.etcd.required", "true");
        source = source().build();
        source.load();

        assertThatThrownBy(() -> load(source.layer(), Map.of()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .extracting(Object::toString)
                                .containsExactlyInAnyOrder(
                                        "log.level (from etcd " + etcd.endpoint()
                                                + " /svc/config/log.level): \"loud\" is not valid; "
                                                + "expected one of trace, debug, info, warn, error",
                                        "log.levle (from etcd " + etcd.endpoint()
                                                + " /svc/config/log.levle): is not a known "
                                                + "configuration key; did you mean \"log.level\"?",
                                        "config.etcd.required (from etcd " + etcd.endpoint()
                                                + " /svc/config/config.etcd.required): "
                                                + "cannot be set in etcd, it tells the service how to reach etcd; set it in the "
                                                + "configuration file, the environment or with --set, and delete the etcd key"));
    }

    @Test
    void requiredSourceThatIsDownIsAConfigProblemAnOptionalOneIsNot() throws Exception {
        etcd.stop();
        EtcdConfigSource required = source().required(true).build();
        EtcdConfigSource optional = source().build();
        try (required;
                optional) {
            assertThat(required.load()).isFalse();
            assertThat(optional.load()).isFalse();

            assertThat(optional.layer().problems()).isEmpty();
            assertThat(load(optional.layer(), Map.of()).get(CoreConfigKeys.LOG_LEVEL))
                    .isEqualTo("warn");
            assertThat(required.layer().problems()).singleElement().satisfies(problem -> {
                assertThat(problem.key()).isEqualTo("config.etcd.endpoints");
                assertThat(problem.message())
                        .contains(
                                "configuration is required from etcd but no etcd endpoint answered (" + etcd.endpoint())
                        .contains("set config.etcd.required to false");
            });
            assertThatThrownBy(() -> load(required.layer(), Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("config.etcd.endpoints (from etcd)");
        }
    }

    @Test
    void watchFollowsPutsAndDeletesAndDebouncesABurstIntoFewReloads() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        AtomicInteger reloads = new AtomicInteger();
        source = source().build();
        source.load();
        source.watch(reloads::incrementAndGet);

        etcd.put(PREFIX + "log.level", "debug");
        awaitLayer(values -> "debug".equals(values.get("log.level")));
        awaitCount(reloads, 1);

        etcd.delete(PREFIX + "log.level");
        awaitLayer(values -> !values.containsKey("log.level"));
        awaitCount(reloads, 2);

        int before = reloads.get();
        for (int i = 0; i < 20; i++) {
            etcd.put(PREFIX + "log.file.max-size", (i + 1) + "MB");
        }
        awaitLayer(values -> "20MB".equals(values.get("log.file.max-size")));
        awaitCount(reloads, before + 1);
        // a trailing debounced call may still land: watch for a while before counting
        Poll.during(
                Duration.ofMillis(300),
                "20 puts in a burst to cause a few reloads, not 20",
                () -> reloads.get() - before <= 5);
        assertThat(reloads.get() - before)
                .as("20 puts in a burst cause a few reloads, not 20")
                .isBetween(1, 5);
    }

    @Test
    void reconnectsAfterARestartAndReReadsChangesMadeMeanwhileDespiteCompaction() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        etcd.put(PREFIX + "log.format", "json");
        AtomicInteger reloads = new AtomicInteger();
        // A long first retry, so the changes below land while the source is still disconnected: only a re-read
        // of the whole prefix can see them (the watch from the old revision is compacted away).
        source = source().reconnectBackoff(Duration.ofSeconds(6), Duration.ofSeconds(6))
                .build();
        source.load();
        source.watch(reloads::incrementAndGet);
        Poll.until(WAIT, "connected", source::connected);

        etcd.stop();
        Poll.until(WAIT, "disconnected", () -> !source.connected());
        assertThat(source.layer().values())
                .as("the last snapshot is kept while etcd is down")
                .hasSize(2);
        etcd.start();
        etcd.put(PREFIX + "log.level", "debug");
        etcd.delete(PREFIX + "log.format");
        etcd.compact(etcd.revision());
        assertThat(source.connected())
                .as("still waiting to reconnect when the changes were made")
                .isFalse();
        int before = reloads.get();

        awaitLayer(values -> "debug".equals(values.get("log.level")) && !values.containsKey("log.format"));
        awaitCount(reloads, before + 1);
        assertThat(source.connected()).isTrue();

        etcd.put(PREFIX + "log.level", "trace"); // and the new watch follows live changes again
        awaitLayer(values -> "trace".equals(values.get("log.level")));
    }

    @Test
    void aWatchWhoseConnectionIsDroppedSilentlyIsReEstablishedByTheResyncAndWithoutItStaysStale() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        AtomicInteger reloads = new AtomicInteger();
        AtomicInteger staleReloads = new AtomicInteger();
        try (FreezableProxy proxy = FreezableProxy.to(URI.create(etcd.endpoint()));
                EtcdConfigSource stale =
                        throughProxy(proxy).resyncInterval(Duration.ofHours(1)).build()) {
            source = throughProxy(proxy).resyncInterval(Duration.ofSeconds(1)).build();
            source.load();
            stale.load();
            source.watch(reloads::incrementAndGet);
            stale.watch(staleReloads::incrementAndGet);
            // Once both watch requests passed the proxy, a put is delivered by the watches (the reads came before).
            Poll.until(WAIT, "both watch requests to pass the proxy", () -> proxy.watches() == 2);
            etcd.put(PREFIX + "log.format", "json"); // both watches deliver it: their streams are open
            awaitLayer(values -> "json".equals(values.get("log.format")));
            Poll.until(WAIT, "the second watch to deliver", () -> values(stale.layer()), values -> values.size() == 2);
            awaitCount(reloads, 1);
            awaitCount(staleReloads, 1);

            proxy.freeze(); // every connection open now, the watches' and idle ones, goes silent: no FIN, no RST
            etcd.put(PREFIX + "log.level", "debug");
            long start = System.nanoTime();

            awaitLayer(values -> "debug".equals(values.get("log.level")));
            awaitCount(reloads, 2);
            Duration left = WAIT.minus(Duration.ofNanos(System.nanoTime() - start));
            Poll.during(
                    left.isNegative() ? Duration.ZERO : left,
                    "the source without a resync to keep the stale value for as long",
                    () -> "info".equals(values(stale.layer()).get("log.level")) && staleReloads.get() == 1);
            assertThat(stale.connected()).as("and it believes it is connected").isTrue();

            etcd.put(PREFIX + "log.level", "trace"); // the new watch follows live changes again
            awaitLayer(values -> "trace".equals(values.get("log.level")));
        }
    }

    @Test
    void aWatchThatStallsWhileReadsStillWorkIsTakenForDeadWithOneWarning() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        AtomicInteger reloads = new AtomicInteger();
        try (FreezableProxy proxy = FreezableProxy.to(URI.create(etcd.endpoint()));
                LogCapture log = LogCapture.of(EtcdConfigSource.class.getName())) {
            source = throughProxy(proxy).resyncInterval(Duration.ofSeconds(1)).build();
            watchWithAnOpenStream(proxy, reloads);

            proxy.freezeWatches(); // the watch goes silent; reads on other connections are answered
            etcd.put(PREFIX + "log.level", "debug");

            awaitLayer(values -> "debug".equals(values.get("log.level")));
            awaitCount(reloads, 2);
            Poll.until(WAIT, "connected again", source::connected);
            assertThat(log.events())
                    .filteredOn(event -> event.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .startsWith("etcd configuration: the watch on " + proxy.endpoint() + " missed a change")
                    .endsWith("; re-establishing the watch, which re-reads " + PREFIX);
            etcd.put(PREFIX + "log.level", "trace"); // the new watch follows live changes again
            awaitLayer(values -> "trace".equals(values.get("log.level")));
        }
    }

    @Test
    void aPartitionShowsAsALostConnectionAndTheChangesMadeMeanwhileArriveWhenItHeals() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        AtomicInteger reloads = new AtomicInteger();
        try (FreezableProxy proxy = FreezableProxy.to(URI.create(etcd.endpoint()));
                LogCapture log = LogCapture.of(EtcdConfigSource.class.getName())) {
            source = throughProxy(proxy)
                    .resyncInterval(Duration.ofSeconds(1))
                    .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
                    .build();
            watchWithAnOpenStream(proxy, reloads);
            awaitCount(reloads, 1);

            proxy.partition(); // every connection, open or new, goes silent: the resync read gets no answer
            Poll.until(WAIT, "the source to see it lost etcd", () -> !source.connected());
            // The source marks itself disconnected, then logs: wait for the line, not only for the flag.
            Poll.until(
                    WAIT,
                    "the lost connection logged",
                    () -> log.events().stream().anyMatch(event -> event.getLevel() == Level.WARN));
            assertThat(log.events())
                    .filteredOn(event -> event.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .startsWith("etcd configuration: the resync read from " + proxy.endpoint()
                            + " failed (no answer within the timeout (config.etcd.timeout)); serving the last"
                            + " configuration (revision ");
            etcd.put(PREFIX + "log.level", "debug");
            proxy.heal();

            awaitLayer(values -> "debug".equals(values.get("log.level")));
            awaitCount(reloads, 2);
            Poll.until(WAIT, "connected again", source::connected);
        }
    }

    @Test
    void aWatchRequestWhoseResponseNeverBeginsIsRetriedAfterTheTimeout() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        AtomicInteger reloads = new AtomicInteger();
        try (FreezableProxy proxy = FreezableProxy.to(URI.create(etcd.endpoint()));
                LogCapture log = LogCapture.of(EtcdConfigSource.class.getName())) {
            // The reads pass; each watch request is swallowed: no stream ever opens, so the resync has none to check.
            proxy.swallowWatchRequests(true);
            source = throughProxy(proxy)
                    .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
                    .build();
            source.load();
            source.watch(reloads::incrementAndGet);

            Poll.until(WAIT, "the source to see it lost etcd", () -> !source.connected());
            String lost = "etcd configuration: lost " + proxy.endpoint() + " (no answer within the timeout"
                    + " (config.etcd.timeout)); serving the last configuration (revision 2) and reconnecting";
            // The source marks itself disconnected, then logs: wait for the line, not only for the flag.
            Poll.until(WAIT, "the lost connection logged", () -> log.messages().contains(lost));
            proxy.swallowWatchRequests(false);
            etcd.put(PREFIX + "log.level", "debug");

            awaitLayer(values -> "debug".equals(values.get("log.level")));
            awaitCount(reloads, 1);
            Poll.until(WAIT, "connected again", source::connected);
        }
    }

    @Test
    void changesThatRaceTheResyncReadsOfALiveWatchCauseNoReconnect() throws Exception {
        try (LogCapture log = LogCapture.of(EtcdConfigSource.class.getName())) {
            source = source().resyncInterval(Duration.ofSeconds(1)).build();
            source.load();
            source.watch(() -> {});
            Poll.until(WAIT, "connected", source::connected);

            // Writes without pause for several resync intervals: each resync read sees a revision the watch has
            // not delivered yet, or the watch is ahead of it; either way the values differ for a moment.
            long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
            int puts = 0;
            while (System.nanoTime() < end) {
                etcd.put(PREFIX + "log.file.max-size", ++puts + "MB");
                assertThat(source.connected()).as("connected after put " + puts).isTrue();
            }
            String last = puts + "MB";
            awaitLayer(values -> last.equals(values.get("log.file.max-size")));

            assertThat(source.connected()).isTrue();
            assertThat(log.events())
                    .as("no warning: a watch taken for dead, or lost for any reason, logs one")
                    .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .isEmpty();
        }
    }

    @Test
    void startsWithoutEtcdAndPicksItsValuesUpWhenItComes() throws Exception {
        etcd.put(PREFIX + "log.level", "error");
        etcd.stop();
        AtomicInteger reloads = new AtomicInteger();
        source = source().reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .build();
        assertThat(source.load()).isFalse();
        assertThat(source.layer().values()).isEmpty();
        source.watch(reloads::incrementAndGet);

        etcd.start();
        awaitLayer(values -> "error".equals(values.get("log.level")));
        awaitCount(reloads, 1);
    }

    @Test
    void aDeadFirstEndpointIsSkippedAndTheNextOneIsReadAndWatched() throws Exception {
        etcd.put(PREFIX + "log.level", "debug");
        String dead = "http://127.0.0.1:" + FreePorts.one(); // nothing listens there: connection refused
        AtomicInteger reloads = new AtomicInteger();
        source = EtcdConfigSource.builder(List.of(URI.create(dead), URI.create(etcd.endpoint())), PREFIX)
                .timeout(Duration.ofSeconds(2))
                .required(true)
                .build();

        assertThat(source.load()).isTrue();
        assertThat(source.layer().problems()).isEmpty();
        assertThat(load(source.layer(), Map.of()).source(CoreConfigKeys.LOG_LEVEL))
                .isEqualTo("etcd " + etcd.endpoint() + " " + PREFIX + "log.level");

        source.watch(reloads::incrementAndGet);
        etcd.put(PREFIX + "log.level", "trace");
        awaitLayer(values -> "trace".equals(values.get("log.level")));
        awaitCount(reloads, 1);
    }

    @Test
    void aPrefixWithoutATrailingSlashGetsOneSoItsKeysAreKnownAndItsSiblingsAreNotRead() throws Exception {
        etcd.put(PREFIX + "log.level", "debug");
        etcd.put("/svc/configx/log.level", "error"); // under "/svc/config" as text, not under "/svc/config/"
        Config local = ConfigLoader.builder(SCHEMA)
                .overrides(List.of("config.etcd.endpoints=" + etcd.endpoint(), "config.etcd.prefix=/svc/config"))
                .build()
                .load();
        AtomicInteger reloads = new AtomicInteger();
        source = EtcdConfigSource.fromConfig(local, "svc").orElseThrow();

        assertThat(source.load()).isTrue();
        assertThat(values(source.layer())).isEqualTo(Map.of("log.level", "debug"));
        assertThat(source.prefix()).isEqualTo(PREFIX);
        assertThat(load(source.layer(), Map.of()).get(CoreConfigKeys.LOG_LEVEL)).isEqualTo("debug");

        source.watch(reloads::incrementAndGet);
        etcd.put(PREFIX + "log.format", "text");
        awaitLayer(values -> "text".equals(values.get("log.format")));
        assertThat(values(source.layer())).containsOnlyKeys("log.level", "log.format");
    }

    @Test
    void withAuthenticationOnAUserWhoMayReadThePrefixReadsAndWatchesItAndEveryRefusalSaysWhatToDo() throws Exception {
        etcd.put(PREFIX + "log.level", "info");
        etcd.enableAuth("root-secret", "svc", "svc-secret", PREFIX);
        Path password = password("svc-secret\n");
        AtomicInteger reloads = new AtomicInteger();
        source = source().user("svc", password).build();

        assertThat(source.load()).isTrue();
        assertThat(values(source.layer())).containsEntry("log.level", "info");
        source.watch(reloads::incrementAndGet);
        etcd.put(PREFIX + "log.level", "debug");
        awaitLayer(values -> "debug".equals(values.get("log.level")));
        awaitCount(reloads, 1);

        assertThat(refusal(source()))
                .contains("user name is empty; etcd has authentication on: set config.etcd.username and"
                        + " config.etcd.password-file");
        assertThat(refusal(source().user("svc", password("not-the-password"))))
                .contains("etcd refused user \"svc\" (etcdserver: authentication failed, invalid user ID or password);"
                        + " check config.etcd.username and the password in config.etcd.password-file")
                .doesNotContain("not-the-password");
        assertThat(refusal(EtcdConfigSource.builder(List.of(URI.create(etcd.endpoint())), "/other/config/")
                        .timeout(Duration.ofSeconds(2))
                        .user("svc", password)))
                .contains("permission denied; etcd user \"svc\" needs read permission on /other/config/");
        assertThat(refusal(source().user("svc", password("")))).contains("holds no password (its first line is empty)");
    }

    @Test
    void aTokenEtcdForgotInARestartIsReplacedWithTheRotatedPasswordFromTheFile() throws Exception {
        etcd.enableAuth("root-secret", "svc", "first-secret", PREFIX);
        Path password = password("first-secret\n");
        AtomicInteger reloads = new AtomicInteger();
        source = source().user("svc", password)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .build();
        source.load();
        source.watch(reloads::incrementAndGet);
        Poll.until(WAIT, "connected", source::connected);

        // The operator rotates the password: in etcd, then in the file. etcd's simple tokens live in the member's
        // memory, so after the restart the source's token is unknown and only a new authentication gets in.
        etcd.changePassword("svc", "second-secret");
        Files.writeString(password, "second-secret\n");
        etcd.stop();
        Poll.until(WAIT, "disconnected", () -> !source.connected());
        etcd.start();
        etcd.put(PREFIX + "log.level", "debug");

        awaitLayer(values -> "debug".equals(values.get("log.level")));
        awaitCount(reloads, 1);
        assertThat(source.connected()).isTrue();
    }

    @Test
    void theConfigKeysBuildASourceThatAuthenticates() throws Exception {
        etcd.put(PREFIX + "log.level", "debug");
        etcd.enableAuth("root-secret", "svc", "svc-secret", PREFIX);
        Path password = password("svc-secret\n");
        Config bootstrap = load(
                new ConfigLayer("none", List.of(), List.of()),
                Map.of(),
                "config.etcd.endpoints=" + etcd.endpoint(),
                "config.etcd.prefix=" + PREFIX,
                "config.etcd.username=svc",
                "config.etcd.password-file=" + password);

        source = EtcdConfigSource.fromConfig(bootstrap, "svc").orElseThrow();

        assertThat(source.load()).isTrue();
        assertThat(values(source.layer())).containsEntry("log.level", "debug");
    }

    @Test
    void overTlsWithAClientCertificateTheSourceReadsAndWatchesAndWithoutOneOrTheCaItIsRefused() throws Exception {
        List<TestIdentities.Identity> identities = etcdWithClientCertificates("EC");
        TestIdentities.Identity server = identities.get(0);
        TestIdentities.Identity client = identities.get(1);
        etcd.put(PREFIX + "log.level", "info");
        URI tls = URI.create(etcd.tlsEndpoint());
        AtomicInteger reloads = new AtomicInteger();
        source = EtcdConfigSource.builder(List.of(tls), PREFIX)
                .timeout(Duration.ofSeconds(2))
                .tls(tlsContext(
                        Optional.of(server.certificatePem()),
                        Optional.of(client.certificatePem()),
                        Optional.of(client.privateKeyPem())))
                .build();

        assertThat(source.load()).isTrue();
        assertThat(values(source.layer())).containsEntry("log.level", "info");
        source.watch(reloads::incrementAndGet);
        etcd.put(PREFIX + "log.level", "debug");
        awaitLayer(values -> "debug".equals(values.get("log.level")));
        awaitCount(reloads, 1);

        EtcdConfigSource.Builder noClientCertificate = EtcdConfigSource.builder(List.of(tls), PREFIX)
                .timeout(Duration.ofSeconds(2))
                .tls(tlsContext(Optional.of(server.certificatePem()), Optional.empty(), Optional.empty()));
        // TLS 1.3: the client reads either etcd's alert or only the connection it closed (a race); both say what to do
        assertThat(refusal(noClientCertificate))
                .containsAnyOf(
                        "no etcd endpoint answered (" + tls + ": etcd refused the TLS handshake (",
                        "no etcd endpoint answered (" + tls + ": etcd closed the connection without an answer (")
                .contains("set config.etcd.tls.cert-file and config.etcd.tls.key-file to one its --trusted-ca-file"
                        + " signs");
        EtcdConfigSource.Builder jvmTrustStore =
                EtcdConfigSource.builder(List.of(tls), PREFIX).timeout(Duration.ofSeconds(2));
        assertThat(refusal(jvmTrustStore))
                .as("the self-signed server certificate is not in the JVM's trust store")
                .contains("no etcd endpoint answered (" + tls + ": etcd's certificate is not trusted (")
                .contains("set config.etcd.tls.ca-file to the CA certificate that signed it");
    }

    @Test
    void aRenewedClientCertificateIsPresentedAtTheNextConnectionWithoutARestart() throws Exception {
        List<TestIdentities.Identity> identities = etcdWithClientCertificates("EC");
        TestIdentities.Identity server = identities.get(0);
        TestIdentities.Identity renewed = identities.get(2);
        Path certificate = Files.copy(identities.get(1).certificatePem(), dir.resolve("client.pem"));
        Path key = Files.copy(identities.get(1).privateKeyPem(), dir.resolve("client-key.pem"));
        AtomicInteger reloads = new AtomicInteger();
        source = EtcdConfigSource.builder(List.of(URI.create(etcd.tlsEndpoint())), PREFIX)
                .timeout(Duration.ofSeconds(2))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
                .tls(tlsContext(Optional.of(server.certificatePem()), Optional.of(certificate), Optional.of(key)))
                .build();
        source.load();
        source.watch(reloads::incrementAndGet);
        Poll.until(WAIT, "connected", source::connected);

        // The certificate is renewed: the new files replace the old ones, and etcd trusts only the new one from its
        // restart on. The running source was given the files once, at start.
        Files.copy(renewed.certificatePem(), certificate, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.privateKeyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        etcd.stop();
        Files.writeString(
                dir.resolve("client-cas.pem"),
                Files.readString(renewed.certificatePem()) + Files.readString(server.certificatePem()));
        Poll.until(WAIT, "disconnected", () -> !source.connected());
        etcd.start();
        etcd.put(PREFIX + "log.level", "debug");

        awaitLayer(values -> "debug".equals(values.get("log.level")));
        awaitCount(reloads, 1);
    }

    @Test
    void theTlsKeysBuildASourceThatPresentsTheClientCertificate() throws Exception {
        List<TestIdentities.Identity> identities = etcdWithClientCertificates("RSA");
        TestIdentities.Identity server = identities.get(0);
        TestIdentities.Identity client = identities.get(1);
        etcd.put(PREFIX + "log.level", "debug");
        Files.setPosixFilePermissions(
                client.privateKeyPem(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Config bootstrap = load(
                new ConfigLayer("none", List.of(), List.of()),
                Map.of(),
                "config.etcd.endpoints=" + etcd.tlsEndpoint(),
                "config.etcd.prefix=" + PREFIX,
                "config.etcd.tls.ca-file=" + server.certificatePem(),
                "config.etcd.tls.cert-file=" + client.certificatePem(),
                "config.etcd.tls.key-file=" + client.privateKeyPem());

        source = EtcdConfigSource.fromConfig(bootstrap, "svc").orElseThrow();

        assertThat(source.load()).isTrue();
        assertThat(values(source.layer())).containsEntry("log.level", "debug");
    }

    @Test
    void withAuthenticationOnEtcd34sGatewayRefusesAClientCertificateWithACommonNameAndTheRefusalSaysWhatToDo()
            throws Exception {
        List<TestIdentities.Identity> identities = etcdWithClientCertificates("EC");
        TestIdentities.Identity server = identities.get(0);
        TestIdentities.Identity client = identities.get(1); // CN=svc, O=Servicekit Test
        etcd.enableAuth("root-secret", "svc", "svc-secret", PREFIX);
        EtcdConfigSource.Builder commonName = EtcdConfigSource.builder(List.of(URI.create(etcd.tlsEndpoint())), PREFIX)
                .timeout(Duration.ofSeconds(2))
                .user("svc", password("svc-secret\n"))
                .tls(tlsContext(
                        Optional.of(server.certificatePem()),
                        Optional.of(client.certificatePem()),
                        Optional.of(client.privateKeyPem())));

        assertThat(refusal(commonName))
                .contains("CommonName of client sending a request against gateway will be ignored")
                .contains("give the service one without a CN in config.etcd.tls.cert-file")
                .doesNotContain("svc-secret");
    }

    /**
     * Replaces this test's etcd with one that also listens on TLS and asks for client certificates; returns its server
     * identity and a client identity it trusts ({@code algorithm} RSA or EC), and for EC a third identity etcd does
     * not trust yet ({@link #identities}). The CAs it trusts, in this test's {@code client-cas.pem}, are the client's
     * certificate and its own server certificate, which etcd 3.4's JSON gateway presents when it calls etcd's gRPC
     * server on the same listener.
     */
    private List<TestIdentities.Identity> etcdWithClientCertificates(String algorithm) throws Exception {
        List<TestIdentities.Identity> identities = identities(algorithm);
        TestIdentities.Identity server = identities.get(0);
        Path clientCas = Files.writeString(
                dir.resolve("client-cas.pem"),
                Files.readString(identities.get(1).certificatePem()) + Files.readString(server.certificatePem()));
        etcd.close();
        etcd = EtcdServer.startWithTls(
                dir.resolve("etcd-tls"), server.certificatePem(), server.privateKeyPem(), clientCas);
        return identities;
    }

    /** The TLS context of {@code config.etcd.tls.*} files, as the source makes it. */
    private static SSLContext tlsContext(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key)
            throws PemTlsFiles.Problems {
        return new PemTlsFiles(EtcdConfigKeys.TLS_FILES, ca, certificate, key).context();
    }

    /**
     * The certificates of {@code algorithm} (EC or RSA): etcd's server identity, the client {@code svc} and, for EC,
     * the client's renewal {@code svc-renewed}. Made once for the class and only read by the tests (each writes the
     * CA file its etcd trusts into its own directory): keytool starts a JVM per key, seconds each on a busy machine.
     */
    private static synchronized List<TestIdentities.Identity> identities(String algorithm) throws Exception {
        List<TestIdentities.Identity> identities = IDENTITIES.get(algorithm);
        if (identities == null) {
            List<String> specs = new java.util.ArrayList<>(List.of("etcd-server:" + algorithm, "svc:" + algorithm));
            if (algorithm.equals("EC")) {
                specs.add("svc-renewed:EC");
            }
            identities = TestIdentities.generate(
                    Files.createDirectories(pki.resolve(algorithm)), specs.toArray(String[]::new));
            IDENTITIES.put(algorithm, identities);
        }
        return identities;
    }

    /** A password file as an operator writes one: owner-only. */
    private Path password(String content) throws Exception {
        Path file = Files.createTempFile(dir, "etcd-password", "");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** What a required source built from {@code builder} says when its first read is refused. */
    private static String refusal(EtcdConfigSource.Builder builder) {
        try (EtcdConfigSource refused = builder.required(true).build()) {
            assertThat(refused.load()).isFalse();
            return refused.layer().problems().get(0).message();
        }
    }

    /** Loads and watches {@link #source} through {@code proxy}; returns once a change came through the watch stream. */
    private void watchWithAnOpenStream(FreezableProxy proxy, AtomicInteger reloads) {
        source.load();
        source.watch(reloads::incrementAndGet);
        Poll.until(WAIT, "the watch request to pass the proxy", () -> proxy.watches() == 1);
        etcd.put(PREFIX + "log.format", "json"); // delivered by the watch: its stream is open
        awaitLayer(values -> "json".equals(values.get("log.format")));
    }

    private void awaitLayer(Predicate<Map<String, String>> condition) {
        Poll.until(WAIT, "the etcd snapshot to match", () -> values(source.layer()), condition);
    }

    private static Map<String, String> values(ConfigLayer layer) {
        return layer.values().stream()
                .collect(java.util.stream.Collectors.toMap(ConfigLayer.Value::key, ConfigLayer.Value::raw));
    }

    private static void awaitCount(AtomicInteger counter, int atLeast) {
        Poll.until(WAIT, "at least " + atLeast + " change notification(s)", () -> counter.get() >= atLeast);
    }
}
