package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.LoggerContext;
import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ReloadReport;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The management listener of a hosted application, started from configuration (as {@code run} does) on real
 * sockets: {@code management.health-scope}, {@code /admin/loggers} and the application's status sections.
 */
class HostedManagementTest {

    private static final String NAME = "hosted-management-test";

    @TempDir
    Path dir;

    private static HttpApplication app(Consumer<HttpServiceContext> declare) {
        return new HttpApplication() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public String version() {
                return "1";
            }

            @Override
            public void start(HttpServiceContext context) {
                declare.accept(context);
            }
        };
    }

    private static final HttpApplication PLAIN = app(context -> {});

    private ServiceHost start(HttpApplication app, String... overrides) {
        List<String> all = new ArrayList<>(List.of("http.port=0", "management.port=0", "data-dir=" + dir));
        all.addAll(List.of(overrides));
        return ServiceCli.builder(HttpServiceHost.application(app))
                .environment(Map.of())
                .build()
                .start(all.toArray(String[]::new));
    }

    private static TestHttpClient management(ServiceHost host) {
        return TestHttpClient.create(host.endpoints().get("management").toString());
    }

    @Test
    void aHealthScopeWithASpaceIsRefusedAsConfiguration() {
        Throwable thrown = catchThrowable(
                () -> start(PLAIN, "management.health-scope=monitoring metrics").stop());

        assertThat(thrown)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("management.health-scope (from --set): \"monitoring metrics\" is not one scope")
                .hasMessageContaining("set one scope");
    }

    @Test
    void healthScopeWithAuthDisabledIsRefusedAtStartWithExitCode78() {
        Throwable thrown = catchThrowable(() -> start(PLAIN, "auth.enabled=false", "management.health-scope=monitoring")
                .stop());

        assertThat(thrown)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("management.health-scope")
                .hasMessageContaining("/health/* and /metrics would be open to anyone")
                .hasMessageContaining("set auth.enabled to true, or remove management.health-scope");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ServiceCli.builder(HttpServiceHost.application(PLAIN))
                .environment(Map.of())
                .out(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(
                        "config",
                        "validate",
                        "--set",
                        "data-dir=" + dir,
                        "--set",
                        "auth.enabled=false",
                        "--set",
                        "management.health-scope=monitoring");
        assertThat(code).isEqualTo(ExitCode.CONFIG_ERROR.code());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("management.health-scope");
    }

    @Test
    void aReloadThatSetsHealthScopeWithAuthDisabledIsRefusedAndMetricsStayAsTheyWere() throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "auth:\n  enabled: false\n");
        ServiceHost host = start(PLAIN);
        try {
            Files.writeString(file, "auth:\n  enabled: false\nmanagement:\n  health-scope: monitoring\n");

            ReloadReport report = host.reload();

            assertThat(report.ok()).isFalse();
            assertThat(report.error())
                    .hasValueSatisfying(error -> assertThat(error)
                            .contains("management.health-scope")
                            .contains("open to anyone"));
            assertThat(management(host).get("/metrics").status()).isEqualTo(200);
        } finally {
            host.stop();
        }
    }

    @Test
    void healthScopeFromConfigurationRequiresATokenWithThatScopeForMetricsAndHealth() {
        ServiceHost host = start(PLAIN, "management.health-scope=monitoring");
        try {
            Config config = host.configuration().orElseThrow();
            JwtIssuer issuer = JwtIssuer.create(
                    AuthConfigKeys.settings(config, AuthKeys.resolve(config, NAME), Clock.systemUTC()));
            String monitoring = "Bearer " + issuer.issue("prometheus", Set.of("monitoring"), Duration.ofMinutes(5));
            String other = "Bearer " + issuer.issue("someone", Set.of("users:read"), Duration.ofMinutes(5));
            TestHttpClient management = management(host);

            assertThat(management.get("/metrics").status()).isEqualTo(401);
            assertThat(management.get("/health/live").status()).isEqualTo(401);
            assertThat(management.get("/metrics", "Authorization", other).status())
                    .isEqualTo(403);
            assertThat(management.get("/metrics", "Authorization", monitoring).status())
                    .isEqualTo(200);
            assertThat(management
                            .get("/health/live", "Authorization", monitoring)
                            .status())
                    .isEqualTo(200);
        } finally {
            host.stop();
        }
    }

    @Test
    void askingForAnUnknownLoggerIs404AndDoesNotCreateIt() {
        String unknown = "dev.servicekit.nobody.asked." + System.nanoTime();
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        ServiceHost host = start(PLAIN, "auth.enabled=false");
        try {
            TestHttpClient management = management(host);

            TestResponse missing = management.get("/admin/loggers/" + unknown);

            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.contentType()).startsWith("application/problem+json");
            assertThat(missing.json().path("detail").asText()).contains("\"" + unknown + "\"");
            assertThat(logback.exists(unknown))
                    .as("GET must not create the logger")
                    .isNull();

            assertThat(management.get("/admin/loggers/ROOT").json().path("name").asText())
                    .isEqualTo("ROOT");
            assertThat(management.get("/admin/loggers/root").status()).isEqualTo(200);
            TestResponse existing = management.get("/admin/loggers/" + AdminRoutes.class.getName());
            assertThat(existing.status()).isEqualTo(200);
            assertThat(existing.json().path("effectiveLevel").asText()).isNotBlank();

            assertThat(management
                            .put("/admin/loggers/" + unknown, "{\"level\":\"DEBUG\"}")
                            .status())
                    .as("PUT still creates the logger it sets")
                    .isEqualTo(200);
            assertThat(management
                            .get("/admin/loggers/" + unknown)
                            .json()
                            .path("configuredLevel")
                            .asText())
                    .isEqualTo("DEBUG");
        } finally {
            host.stop();
            logback.getLogger(unknown).setLevel(null);
        }
    }

    @Test
    void aStatusSectionThatThrowsShowsItsErrorAndTheRestOfTheStatusIsServed() {
        HttpApplication app = app(context -> {
            context.statusSection("broken", () -> {
                throw new IllegalStateException("store is closed");
            });
            context.statusSection("store", () -> Map.of("state", "UP"));
        });
        ServiceHost host = start(app, "auth.enabled=false");
        try (LogCapture log = LogCapture.of(AdminRoutes.class.getName())) {
            TestHttpClient management = management(host);

            TestResponse status = management.get("/admin/status");
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.json().path("broken").path("error").asText())
                    .isEqualTo("java.lang.IllegalStateException: store is closed");
            assertThat(status.json().path("store").path("state").asText()).isEqualTo("UP");
            assertThat(status.json().path("state").asText()).isEqualTo("RUNNING");
            assertThat(management.get("/").status()).as("the status page").isEqualTo(200);
            assertThat(management.get("/admin/status/samples").status()).isEqualTo(200);

            assertThat(log.messages())
                    .filteredOn(message -> message.contains("Status section \"broken\" failed"))
                    .as("logged once while it keeps failing the same way")
                    .hasSize(1);
        } finally {
            host.stop();
        }
    }

    @Test
    void aStatusSectionWhoseValueCannotBeWrittenAsJsonShowsItsErrorAndTheRestOfTheStatusIsServed() {
        HttpApplication app = app(context -> {
            context.statusSection("unwritable", () -> Map.of("handle", new Object()));
            context.statusSection("store", () -> Map.of("state", "UP", "checkedAt", Instant.EPOCH));
        });
        ServiceHost host = start(app, "auth.enabled=false");
        try (LogCapture log = LogCapture.of(AdminRoutes.class.getName())) {
            TestHttpClient management = management(host);

            TestResponse status = management.get("/admin/status");
            assertThat(status.status()).isEqualTo(200);
            assertThat(status.json().path("unwritable").path("error").asText())
                    .startsWith("java.lang.IllegalArgumentException: No serializer found for class java.lang.Object");
            assertThat(status.json().path("store").path("state").asText()).isEqualTo("UP");
            assertThat(status.json().path("store").path("checkedAt").asText()).isEqualTo("1970-01-01T00:00:00Z");
            assertThat(management.get("/").status()).as("the status page").isEqualTo(200);
            assertThat(management.get("/").body())
                    .as("a section is still a table")
                    .contains("store.state");
            assertThat(log.messages()).anyMatch(message -> message.contains("Status section \"unwritable\" failed"));
        } finally {
            host.stop();
        }
    }

    @Test
    void aStatusSectionNamedLikeAToolkitEntryIsRefused() {
        HttpApplication app = app(context -> context.statusSection("state", () -> "mine"));

        assertThatThrownBy(() -> start(app, "auth.enabled=false").stop())
                .hasStackTraceContaining("Status section \"state\" would replace the toolkit's own entry");
    }

    @Test
    void aBlankStatusSectionOrReadinessCheckNameIsRefused() {
        HttpApplication section = app(context -> context.statusSection(" ", () -> "mine"));
        HttpApplication check = app(context -> context.readinessCheck("", () -> true));

        assertThatThrownBy(() -> start(section, "auth.enabled=false").stop())
                .hasStackTraceContaining(
                        "A status section needs a name that is not blank: it is its key in GET /admin/status");
        assertThatThrownBy(() -> start(check, "auth.enabled=false").stop())
                .hasStackTraceContaining(
                        "A readiness check needs a name that is not blank: it is its key in GET /health/ready");
    }

    @Test
    void everyEntryTheToolkitFillsIsReservedForIt() {
        ServiceHost host = start(PLAIN, "auth.enabled=false");
        try {
            List<String> entries = new ArrayList<>();
            management(host).get("/admin/status").json().fieldNames().forEachRemaining(entries::add);

            assertThat(entries)
                    .isNotEmpty()
                    .allSatisfy(entry -> assertThat(AdminRoutes.RESERVED_SECTIONS)
                            .as("a toolkit entry an application section could replace")
                            .contains(entry));
        } finally {
            host.stop();
        }
    }
}
