package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigReloaderTest {

    static final ConfigKey<Integer> PORT = ConfigKey.builder("http.port", ConfigType.port()).defaultValue(8080).description("port").build();
    static final ConfigKey<Integer> LIMIT = ConfigKey.builder("limits.rate", ConfigType.integer(1, 1000)).defaultValue(10)
            .reloadable().description("rate").build();
    static final ConfigKey<java.nio.file.Path> KEY_FILE = ConfigKey.builder("auth.key-file", ConfigType.path())
            .reloadable().description("a key rotated in place").build();
    static final ConfigSchema SCHEMA = ConfigSchema.builder().add(CoreConfigKeys.all()).add(PORT, LIMIT, KEY_FILE).build();

    final AtomicReference<List<String>> overrides = new AtomicReference<>(List.of());
    final List<String> applied = new ArrayList<>();
    final List<Config> appliedToService = new ArrayList<>();

    private Config load() {
        return ConfigLoader.builder(SCHEMA).overrides(overrides.get()).build().load();
    }

    private ConfigReloader reloader() {
        ReloadableService service = new ReloadableService() {
            @Override
            public void start(StartContext context) {
            }

            @Override
            public void applyConfig(Config config) {
                appliedToService.add(config);
            }
        };
        return new ConfigReloader(load(), this::load, next -> applied.add(next.get(CoreConfigKeys.LOG_LEVEL)), service, Clock.systemUTC());
    }

    @AfterEach
    void restoreLogging() {
        LoggingConfigurator.configureBootstrap();
    }

    @Test
    void reloadableKeysAreAppliedAndRestartKeysReportedNeverApplied() {
        ConfigReloader reloader = reloader();
        overrides.set(List.of("log.level=debug", "limits.rate=20", "http.port=9999"));

        ReloadReport report = reloader.reload();

        assertThat(report.ok()).isTrue();
        assertThat(report.applied()).containsExactly("log.level", "limits.rate");
        assertThat(report.requiresRestart()).containsExactly("http.port");
        assertThat(applied).containsExactly("debug");
        assertThat(appliedToService).singleElement().satisfies(c -> assertThat(c.get(LIMIT)).isEqualTo(20));
        assertThat(reloader.last()).contains(report);
    }

    @Test
    void anInvalidConfigurationIsRefusedAndTheRunningOneStays() {
        ConfigReloader reloader = reloader();
        overrides.set(List.of("log.level=loud", "limits.rate=0"));

        ReloadReport report = reloader.reload();

        assertThat(report.ok()).isFalse();
        assertThat(report.error()).hasValueSatisfying(e -> assertThat(e).contains("log.level").contains("limits.rate"));
        assertThat(applied).isEmpty();
        assertThat(appliedToService).isEmpty();
        assertThat(report.summary()).startsWith("reload refused, the running configuration stays");
    }

    @Test
    void nothingChangedAppliesNothing() {
        ReloadReport report = reloader().reload();

        assertThat(report.ok()).isTrue();
        assertThat(report.applied()).isEmpty();
        assertThat(report.summary()).isEqualTo("configuration unchanged");
        assertThat(appliedToService).isEmpty();
    }

    @Test
    void aFileRotatedInPlaceUnderAReloadableKeyIsApplied(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("key"), "old");
        overrides.set(List.of("auth.key-file=" + file));
        ConfigReloader reloader = reloader();

        ReloadReport unchanged = reloader.reload();
        java.nio.file.Files.writeString(file, "new");
        ReloadReport rotated = reloader.reload();
        ReloadReport again = reloader.reload();

        assertThat(unchanged.applied()).isEmpty();
        assertThat(rotated.ok()).isTrue();
        assertThat(rotated.applied()).containsExactly("auth.key-file");
        assertThat(appliedToService).hasSize(1);
        assertThat(again.applied()).isEmpty();
    }

    @Test
    void aReloadedLogLevelTakesEffect() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        java.io.PrintStream sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        ConfigReloader reloader = new ConfigReloader(load(), this::load,
                next -> LoggingConfigurator.configure(LogSettings.from(next, sink, false)), ctx -> { }, Clock.systemUTC());
        overrides.set(List.of("log.level=error"));

        reloader.reload();

        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.ERROR);
    }

    @Test
    void aHostWithoutAReloaderRefusesReloads() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> { }).build();

        assertThat(host.reload().ok()).isFalse();
        assertThat(host.lastReload()).isEmpty();
        assertThat(host.reloadAttempts()).isEqualTo(1);
        assertThat(host.reloadFailures()).isEqualTo(1);
    }

    @Test
    void aRestartOnlyChangeSeenWithAnAppliedChangeIsStillReportedByLaterReloads() {
        ConfigReloader reloader = reloader();
        overrides.set(List.of("limits.rate=20", "http.port=9999"));
        assertThat(reloader.reload().requiresRestart()).containsExactly("http.port");

        overrides.set(List.of("limits.rate=30", "http.port=9999"));
        ReloadReport second = reloader.reload();

        assertThat(second.applied()).containsExactly("limits.rate");
        assertThat(second.requiresRestart()).containsExactly("http.port");
        assertThat(reloader.reload().requiresRestart()).as("a third, unchanged reload").containsExactly("http.port");
    }

    @Test
    void theServiceIsGivenTheRunningValuesOfRestartOnlyKeys() {
        ConfigReloader reloader = reloader();
        overrides.set(List.of("limits.rate=20", "http.port=9999"));

        reloader.reload();

        assertThat(appliedToService).singleElement().satisfies(c -> {
            assertThat(c.get(LIMIT)).isEqualTo(20);
            assertThat(c.get(PORT)).isEqualTo(8080);
            assertThat(c.source(PORT)).isEqualTo("default");
        });
    }

    @Test
    void revertingAPendingRestartOnlyChangeClearsIt() {
        ConfigReloader reloader = reloader();
        overrides.set(List.of("limits.rate=20", "http.port=9999"));
        reloader.reload();

        overrides.set(List.of("limits.rate=20"));
        ReloadReport report = reloader.reload();

        assertThat(report.requiresRestart()).isEmpty();
        assertThat(report.summary()).isEqualTo("configuration unchanged");
    }

    @Test
    void theHostCountsReloadAttemptsAndFailures() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> { }).build();
        host.reloader(reloader());

        overrides.set(List.of("limits.rate=20"));
        host.reload();
        overrides.set(List.of("limits.rate=0"));
        host.reload();
        host.reload();

        assertThat(host.reloadAttempts()).isEqualTo(3);
        assertThat(host.reloadFailures()).isEqualTo(2);
        assertThat(host.reloadSuccesses()).isEqualTo(1);
    }
}
