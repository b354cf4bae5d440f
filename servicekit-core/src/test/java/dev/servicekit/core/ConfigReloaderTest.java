package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.servicekit.spi.ReloadListener;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A reload is one transaction: validate, let every step prepare, then commit all or nothing (SPEC §17). */
class ConfigReloaderTest {

    static final ConfigKey<Integer> PORT = ConfigKey.builder("http.port", ConfigType.port())
            .defaultValue(8080)
            .description("port")
            .build();
    static final ConfigKey<Integer> LIMIT = ConfigKey.builder("limits.rate", ConfigType.integer(1, 1000))
            .defaultValue(10)
            .reloadable()
            .description("rate")
            .build();
    static final ConfigKey<Integer> UNUSED = ConfigKey.builder("feature.level", ConfigType.integer(1, 1000))
            .defaultValue(1)
            .reloadable()
            .description("a reloadable key nothing applies")
            .build();
    static final ConfigKey<Path> KEY_FILE = ConfigKey.builder("auth.key-file", ConfigType.path())
            .reloadable()
            .description("a key rotated in place")
            .build();
    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .add(PORT, LIMIT, UNUSED, KEY_FILE)
            .build();

    final AtomicReference<List<String>> overrides = new AtomicReference<>(List.of());
    final List<Config> committedToService = new CopyOnWriteArrayList<>();
    final List<Set<String>> changedSeenByService = new CopyOnWriteArrayList<>();

    /** The service's step: applies limits.rate and the key file; fails to prepare a rate of 999. */
    final ReloadStep serviceStep = (next, changed) -> {
        changedSeenByService.add(Set.copyOf(changed));
        Set<String> mine = new java.util.HashSet<>(changed);
        mine.retainAll(Set.of(LIMIT.name(), KEY_FILE.name()));
        if (mine.isEmpty()) {
            return ReloadPlan.none();
        }
        if (next.get(LIMIT) == 999) {
            throw new IllegalArgumentException("limits.rate \"999\" is above what the running listener allows");
        }
        return ReloadPlan.applying(mine, () -> committedToService.add(next));
    };

    private Config load() {
        return ConfigLoader.builder(SCHEMA).overrides(overrides.get()).build().load();
    }

    private ConfigReloader reloader(ReloadStep... steps) {
        return new ConfigReloader(load(), this::load, List.of(steps), Clock.systemUTC());
    }

    private static Level rootLevel() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory())
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                .getLevel();
    }

    @AfterEach
    void restoreLogging() {
        LoggingConfigurator.configureBootstrap();
    }

    @Test
    void reloadableKeysAreAppliedByTheirStepsAndRestartKeysReportedNeverApplied() {
        ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep(), serviceStep);
        overrides.set(List.of("log.level=debug", "limits.rate=20", "http.port=9999"));

        ReloadReport report = reloader.reload();

        assertThat(report.ok()).isTrue();
        assertThat(report.applied()).containsExactly("log.level", "limits.rate");
        assertThat(report.requiresRestart()).containsExactly("http.port");
        assertThat(rootLevel()).isEqualTo(Level.DEBUG);
        assertThat(committedToService)
                .singleElement()
                .satisfies(c -> assertThat(c.get(LIMIT)).isEqualTo(20));
        assertThat(reloader.last()).contains(report);
        assertThat(reloader.current().get(LIMIT)).isEqualTo(20);
        assertThat(reloader.current().get(PORT))
                .as("restart-only keys keep their running value")
                .isEqualTo(8080);
    }

    @Test
    void anInvalidConfigurationIsRefusedAndTheRunningOneStays() {
        ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep(), serviceStep);
        Config before = reloader.current();
        overrides.set(List.of("log.level=loud", "limits.rate=0"));

        ReloadReport report = reloader.reload();

        assertThat(report.ok()).isFalse();
        assertThat(report.error())
                .hasValueSatisfying(e -> assertThat(e).contains("log.level").contains("limits.rate"));
        assertThat(committedToService).isEmpty();
        assertThat(changedSeenByService).isEmpty();
        assertThat(reloader.current()).isSameAs(before);
        assertThat(report.summary()).startsWith("reload refused, the running configuration stays");
    }

    @Test
    void aStepThatCannotPrepareRefusesTheWholeReloadLoggingIncluded() {
        LoggingConfigurator.setLevel(LoggingConfigurator.ROOT, Optional.of("INFO"));
        ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep(), serviceStep);
        String hash = reloader.current().hash();
        overrides.set(List.of("log.level=debug", "limits.rate=999"));

        ReloadReport report = reloader.reload();

        assertThat(report.ok()).isFalse();
        assertThat(report.error())
                .hasValueSatisfying(e -> assertThat(e).contains("limits.rate").contains("\"999\""));
        assertThat(report.applied()).isEmpty();
        assertThat(rootLevel())
                .as("the logging step prepared, but nothing is committed when another step fails")
                .isEqualTo(Level.INFO);
        assertThat(committedToService).isEmpty();
        assertThat(reloader.current().hash()).isEqualTo(hash);

        overrides.set(List.of("log.level=debug", "limits.rate=20"));
        assertThat(reloader.reload().applied())
                .as("the next good reload applies both")
                .containsExactly("log.level", "limits.rate");
        assertThat(rootLevel()).isEqualTo(Level.DEBUG);
    }

    @Test
    void aReloadableKeyThatNoStepAppliesIsReportedAsRequiringARestartAndStaysPending() {
        ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep(), serviceStep);
        overrides.set(List.of("feature.level=5", "limits.rate=20"));

        ReloadReport report = reloader.reload();

        assertThat(report.ok()).isTrue();
        assertThat(report.applied()).containsExactly("limits.rate");
        assertThat(report.requiresRestart()).containsExactly("feature.level");
        assertThat(reloader.current().get(UNUSED)).isEqualTo(1);
        assertThat(reloader.reload().requiresRestart())
                .as("still pending at the next reload")
                .containsExactly("feature.level");
    }

    @Test
    void aServiceThatTakesNoPartInReloadsGetsItsKeysReportedAsRequiringARestart() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> {})
                .configuration(load(), this::load)
                .reloadStep(LoggingConfigurator.reloadStep())
                .build();
        overrides.set(List.of("limits.rate=20", "log.level=warn"));

        ReloadReport report = host.reload();

        assertThat(report.applied()).containsExactly("log.level");
        assertThat(report.requiresRestart()).containsExactly("limits.rate");
    }

    @Test
    void keysAStepFindsWithoutEffectAreRecordedAsInactiveNotApplied() {
        ReloadStep authOff = (next, changed) ->
                changed.contains(KEY_FILE.name()) ? ReloadPlan.inactive(Set.of(KEY_FILE.name())) : ReloadPlan.none();
        ConfigReloader reloader = reloader(authOff);
        overrides.set(List.of("auth.key-file=/etc/keys/new"));

        ReloadReport report = reloader.reload();

        assertThat(report.applied()).isEmpty();
        assertThat(report.inactive()).containsExactly("auth.key-file");
        assertThat(report.requiresRestart()).isEmpty();
        assertThat(report.summary()).isEqualTo("nothing applied; not in use: auth.key-file");
        assertThat(reloader.current().find(KEY_FILE)).contains(Path.of("/etc/keys/new"));
        assertThat(reloader.reload().summary())
                .as("recorded, so not reported again")
                .isEqualTo("configuration unchanged");
    }

    @Test
    void stepsAreToldOnlyWhichKeysChanged() {
        ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep(), serviceStep);
        overrides.set(List.of("log.level=warn"));

        reloader.reload();

        assertThat(changedSeenByService).containsExactly(Set.of("log.level"));
        assertThat(committedToService).as("the service had nothing to rebuild").isEmpty();
    }

    @Test
    void nothingChangedAppliesNothing() {
        ReloadReport report = reloader(serviceStep).reload();

        assertThat(report.ok()).isTrue();
        assertThat(report.applied()).isEmpty();
        assertThat(report.summary()).isEqualTo("configuration unchanged");
        assertThat(changedSeenByService).isEmpty();
    }

    @Test
    void aFileRotatedInPlaceUnderAReloadableKeyIsApplied(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "old");
        overrides.set(List.of("auth.key-file=" + file));
        ConfigReloader reloader = reloader(serviceStep);

        ReloadReport unchanged = reloader.reload();
        Files.writeString(file, "new");
        ReloadReport rotated = reloader.reload();
        ReloadReport again = reloader.reload();

        assertThat(unchanged.applied()).isEmpty();
        assertThat(rotated.ok()).isTrue();
        assertThat(rotated.applied()).containsExactly("auth.key-file");
        assertThat(committedToService).hasSize(1);
        assertThat(again.applied()).isEmpty();
    }

    @Test
    void aReloadedLogLevelKeepsAttachedAppendersAndLevelsSetAtRuntime() {
        java.io.PrintStream sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        LoggingConfigurator.configure(LogSettings.from(load(), "example", sink, Optional.empty()));
        // An appender attached after start, as the Windows service manager attaches the Event Log appender.
        try (LogCapture eventLog = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            LoggingConfigurator.setLevel("dev.servicekit.example", Optional.of("DEBUG"));
            LoggingConfigurator.setLevel("io.helidon", Optional.of("TRACE"));
            ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep());
            overrides.set(List.of("log.level=error", "log.access=false"));

            ReloadReport report = reloader.reload();
            LoggerFactory.getLogger("dev.servicekit.example").error("after the reload");

            assertThat(report.applied()).containsExactly("log.level", "log.access");
            assertThat(rootLevel()).isEqualTo(Level.ERROR);
            assertThat(eventLog.attached()).isTrue();
            assertThat(eventLog.messages()).contains("after the reload");
            assertThat(LoggingConfigurator.level("dev.servicekit.example")
                            .orElseThrow()
                            .configuredLevel())
                    .contains("DEBUG");
            assertThat(LoggingConfigurator.level("io.helidon").orElseThrow().configuredLevel())
                    .as("a quieted library set at runtime")
                    .contains("TRACE");
            assertThat(LoggingConfigurator.level("com.zaxxer.hikari")
                            .orElseThrow()
                            .configuredLevel())
                    .contains("WARN");
            assertThat(LoggingConfigurator.level(LoggingConfigurator.ACCESS_LOGGER)
                            .orElseThrow()
                            .configuredLevel())
                    .contains("OFF");
        }
    }

    @Test
    void aChangedSyslogDestinationNeedsARestartAndLinesKeepGoingToTheRunningOne() throws java.io.IOException {
        try (java.nio.channels.DatagramChannel running = udpReceiver();
                java.nio.channels.DatagramChannel other = udpReceiver()) {
            overrides.set(List.of("log.syslog.transport=udp", "log.syslog.port=" + port(running)));
            java.io.PrintStream sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
            LoggingConfigurator.configure(LogSettings.from(load(), "example", sink, Optional.empty()));
            ConfigReloader reloader = reloader(LoggingConfigurator.reloadStep());
            overrides.set(List.of("log.syslog.transport=udp", "log.syslog.port=" + port(other)));

            ReloadReport report = reloader.reload();
            LoggerFactory.getLogger("dev.servicekit.example").warn("after the reload");
            LoggerFactory.getLogger(LoggingConfigurator.ACCESS_LOGGER).info("GET / 200");

            assertThat(report.requiresRestart()).containsExactly("log.syslog.port");
            java.nio.ByteBuffer datagram = java.nio.ByteBuffer.allocate(8192);
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            running.configureBlocking(false);
            dev.servicekit.testing.Poll.until(
                    java.time.Duration.ofSeconds(10),
                    "the reload's line, the warning and the access line at the running port",
                    () -> {
                        try {
                            while (running.receive(datagram.clear()) != null) {
                                datagram.flip();
                                received.add(java.nio.charset.StandardCharsets.UTF_8
                                        .decode(datagram)
                                        .toString());
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        return received.size() >= 3;
                    });
            assertThat(received)
                    .hasSize(3)
                    .anySatisfy(m -> assertThat(m).contains(" requires restart: log.syslog.port"))
                    .anySatisfy(m -> assertThat(m)
                            .startsWith("<28>1 ")
                            .endsWith(" example " + ProcessHandle.current().pid()
                                    + " dev.servicekit.example - after the reload"))
                    .anySatisfy(m ->
                            assertThat(m).startsWith("<30>1 ").endsWith(" dev.servicekit.http.access - GET / 200"));
            other.configureBlocking(false);
            assertThat(other.receive(datagram.clear()))
                    .as("nothing sent to the new port")
                    .isNull();
        }
    }

    private static java.nio.channels.DatagramChannel udpReceiver() throws java.io.IOException {
        return java.nio.channels.DatagramChannel.open()
                .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
    }

    private static int port(java.nio.channels.DatagramChannel channel) throws java.io.IOException {
        return ((java.net.InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    @Test
    void aHostWithoutAConfigurationRefusesReloads() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> {}).build();

        assertThat(host.reload().ok()).isFalse();
        assertThat(host.lastReload()).isEmpty();
        assertThat(host.configuration()).isEmpty();
        assertThat(host.reloadAttempts()).isEqualTo(1);
        assertThat(host.reloadFailures()).isEqualTo(1);
    }

    @Test
    void aRestartOnlyChangeSeenWithAnAppliedChangeIsStillReportedByLaterReloads() {
        ConfigReloader reloader = reloader(serviceStep);
        overrides.set(List.of("limits.rate=20", "http.port=9999"));
        assertThat(reloader.reload().requiresRestart()).containsExactly("http.port");

        overrides.set(List.of("limits.rate=30", "http.port=9999"));
        ReloadReport second = reloader.reload();

        assertThat(second.applied()).containsExactly("limits.rate");
        assertThat(second.requiresRestart()).containsExactly("http.port");
        assertThat(reloader.reload().requiresRestart())
                .as("a third, unchanged reload")
                .containsExactly("http.port");
    }

    @Test
    void aStepThatNamesARestartOnlyKeyDoesNotApplyItAndLaterReloadsStillReportIt() {
        // As a step written for a key its author forgot to mark reloadable(): it names the key whatever changed.
        ReloadStep claimsThePort = (next, changed) -> ReloadPlan.applying(Set.of(PORT.name(), LIMIT.name()), () -> {});
        ConfigReloader reloader = reloader(claimsThePort);
        overrides.set(List.of("limits.rate=20", "http.port=9999"));

        ReloadReport first = reloader.reload();
        ReloadReport second = reloader.reload();

        assertThat(first.applied()).containsExactly("limits.rate");
        assertThat(first.requiresRestart()).containsExactly("http.port");
        assertThat(second.requiresRestart()).as("still pending until a restart").containsExactly("http.port");
        assertThat(reloader.current().get(PORT)).as("the value in effect").isEqualTo(8080);
    }

    @Test
    void theStepsAreGivenTheRunningValuesOfRestartOnlyKeys() {
        ConfigReloader reloader = reloader(serviceStep);
        overrides.set(List.of("limits.rate=20", "http.port=9999"));

        reloader.reload();

        assertThat(committedToService).singleElement().satisfies(c -> {
            assertThat(c.get(LIMIT)).isEqualTo(20);
            assertThat(c.get(PORT)).isEqualTo(8080);
            assertThat(c.source(PORT)).isEqualTo("default");
        });
    }

    @Test
    void revertingAPendingRestartOnlyChangeClearsIt() {
        ConfigReloader reloader = reloader(serviceStep);
        overrides.set(List.of("limits.rate=20", "http.port=9999"));
        reloader.reload();

        overrides.set(List.of("limits.rate=20"));
        ReloadReport report = reloader.reload();

        assertThat(report.requiresRestart()).isEmpty();
        assertThat(report.summary()).isEqualTo("configuration unchanged");
    }

    @Test
    void theHostCountsReloadsTellsListenersOfEachAndShowsTheConfigurationInEffect() {
        List<String> heard = new ArrayList<>();
        ServiceHost host = ServiceHost.builder("svc", ctx -> {})
                .configuration(load(), this::load)
                .reloadStep(serviceStep)
                .build();
        host.addReloadListener(new ReloadListener() {
            @Override
            public void reloadStarting() {
                heard.add("starting");
            }

            @Override
            public void reloadFinished(ReloadOutcome outcome) {
                heard.add(outcome.ok() ? "reloaded" : "refused");
            }
        });
        String hash = host.configuration().orElseThrow().hash();

        overrides.set(List.of("limits.rate=20"));
        host.reload();
        String applied = host.configuration().orElseThrow().hash();
        overrides.set(List.of("limits.rate=0"));
        host.reload();
        host.reload();

        assertThat(host.reloadAttempts()).isEqualTo(3);
        assertThat(host.reloadFailures()).isEqualTo(2);
        assertThat(host.reloadSuccesses()).isEqualTo(1);
        assertThat(heard).containsExactly("starting", "reloaded", "starting", "refused", "starting", "refused");
        assertThat(applied).isNotEqualTo(hash);
        assertThat(host.configuration().orElseThrow().hash()).isEqualTo(applied);
    }

    /** Records what reload listeners hear, in order: "starting", "reloaded", "refused: message". */
    private static ReloadListener recorder(List<String> heard) {
        return new ReloadListener() {
            @Override
            public void reloadStarting() {
                heard.add("starting");
            }

            @Override
            public void reloadFinished(ReloadOutcome outcome) {
                heard.add(outcome.ok() ? "reloaded" : "refused: " + outcome.message());
            }
        };
    }

    @Test
    void aCommitThatThrowsIsARefusedReloadThatListenersHearFinishedAndStatusShows() {
        ReloadStep failingCommit = (next, changed) -> changed.contains(LIMIT.name())
                ? ReloadPlan.applying(Set.of(LIMIT.name()), () -> {
                    throw new IllegalStateException("the rate limiter cannot be swapped");
                })
                : ReloadPlan.none();
        ServiceHost host = ServiceHost.builder("svc", ctx -> {})
                .configuration(load(), this::load)
                .reloadStep(failingCommit)
                .build();
        List<String> heard = new CopyOnWriteArrayList<>();
        host.addReloadListener(recorder(heard));
        overrides.set(List.of("limits.rate=20"));

        ReloadReport report;
        try (LogCapture log = LogCapture.of(ConfigReloader.class.getName())) {
            report = host.reload();
            assertThat(log.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getThrowableProxy().getMessage()).isEqualTo("the rate limiter cannot be swapped");
            });
        }

        assertThat(report.ok()).isFalse();
        assertThat(report.error())
                .hasValueSatisfying(e -> assertThat(e)
                        .startsWith("applying the new configuration failed (limits.rate): ")
                        .contains("the rate limiter cannot be swapped"));
        assertThat(heard).containsExactly("starting", "refused: " + report.summary());
        assertThat(host.reloadFailures()).isEqualTo(1);
        assertThat(host.reloadSuccesses()).isZero();
        assertThat(host.lastReload())
                .as("what /admin/status shows as lastReload")
                .contains(report);
        assertThat(host.configuration().orElseThrow().get(LIMIT))
                .as("the recorded configuration is not advanced")
                .isEqualTo(10);
    }

    @Test
    void anErrorDuringAReloadIsThrownOnAfterListenersHeardTheReloadFinished() {
        LinkageError error = new LinkageError("a class of the new configuration could not be loaded");
        ServiceHost host = ServiceHost.builder("svc", ctx -> {})
                .configuration(load(), () -> {
                    throw error;
                })
                .build();
        List<String> heard = new CopyOnWriteArrayList<>();
        host.addReloadListener(recorder(heard));

        assertThatThrownBy(host::reload).isSameAs(error);

        assertThat(heard).containsExactly("starting", "refused: reload failed: " + error);
        assertThat(host.reloadFailures()).isEqualTo(1);
    }

    @Test
    void reloadsFromSeveralThreadsRunOneAtATime() throws Exception {
        CountDownLatch firstPreparing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ReloadStep slowStep = (next, changed) -> {
            firstPreparing.countDown();
            try {
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return ReloadPlan.applying(Set.copyOf(changed), () -> {});
        };
        ServiceHost host = ServiceHost.builder("svc", ctx -> {})
                .configuration(load(), this::load)
                .reloadStep(slowStep)
                .build();
        List<String> heard = new CopyOnWriteArrayList<>();
        host.addReloadListener(recorder(heard));
        overrides.set(List.of("limits.rate=20"));

        Thread first = Thread.ofPlatform().name("reload-1").start(host::reload);
        assertThat(firstPreparing.await(10, TimeUnit.SECONDS)).isTrue();
        Thread second = Thread.ofPlatform().name("reload-2").start(host::reload);
        // The second reload is parked on the host's lock (without it, it would be blocked in the reloader's
        // monitor, having told the listeners it started).
        Poll.until(
                Duration.ofSeconds(10),
                "the second reload to wait",
                () -> second.getState() == Thread.State.WAITING || second.getState() == Thread.State.BLOCKED);
        release.countDown();
        first.join(Duration.ofSeconds(10).toMillis());
        second.join(Duration.ofSeconds(10).toMillis());

        assertThat(first.isAlive() || second.isAlive()).as("both reloads ended").isFalse();
        assertThat(heard)
                .as("starting and finished strictly in turn")
                .containsExactly("starting", "reloaded", "starting", "reloaded");
        assertThat(host.reloadSuccesses()).isEqualTo(2);
    }
}
