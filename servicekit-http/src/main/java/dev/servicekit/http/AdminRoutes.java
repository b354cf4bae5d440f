package dev.servicekit.http;

import dev.servicekit.core.LoggingConfigurator;
import dev.servicekit.core.ReloadReport;
import dev.servicekit.core.ServiceHost;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Management routes that need the {@code admin} scope, served by every HTTP service the toolkit hosts:
 * {@code GET /admin/status}, {@code POST /admin/reload} and {@code GET/PUT /admin/loggers/{name}}.
 */
final class AdminRoutes {

    static final String ADMIN = "admin";

    /** The top-level names of {@link #status()} the toolkit fills; an application section may not take one. */
    static final Set<String> RESERVED_SECTIONS = Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
            "name",
            "instance",
            "version",
            "state",
            "pid",
            "startedAt",
            "uptimeSeconds",
            "listeners",
            "tls",
            "config",
            "jvm")));

    private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

    private final ServiceHost host;
    private final String version;
    private final Clock clock;
    private final Map<String, Supplier<Object>> sections;
    /** The last failure of each section that is failing now, so a failure is logged once, not per request. */
    private final Map<String, String> failingSections = new ConcurrentHashMap<>();

    /**
     * @param sections the application's own status sections (e.g. {@code store}), in order
     */
    AdminRoutes(ServiceHost host, String version, Clock clock, Map<String, Supplier<Object>> sections) {
        this.host = host;
        this.version = version;
        this.clock = clock;
        this.sections = sections;
    }

    List<Route> routes() {
        return List.of(
                Route.get("/admin/status", this::status).requireScopes(ADMIN),
                Route.post("/admin/reload", this::reload).requireScopes(ADMIN),
                Route.get("/admin/loggers/{name}", this::logger).requireScopes(ADMIN),
                Route.put("/admin/loggers/{name}", this::setLogger).requireScopes(ADMIN));
    }

    /** The body of {@code PUT /admin/loggers/{name}}; a null level clears the logger's own level. */
    record LevelRequest(String level) {}

    private void status(ServerRequest req, ServerResponse res) {
        JsonBodies.send(res, Status.OK_200, status());
    }

    /** The body of {@code GET /admin/status}, also what the status page shows. */
    Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("name", host.name());
        host.instance().ifPresent(instance -> status.put("instance", instance));
        status.put("version", version);
        status.put("state", host.state().name());
        status.put("pid", ProcessHandle.current().pid());
        host.startedAt().ifPresent(at -> {
            status.put("startedAt", at.toString());
            status.put("uptimeSeconds", Duration.between(at, clock.instant()).toSeconds());
        });
        Map<String, Object> listeners = new TreeMap<>();
        host.endpoints().forEach((name, uri) -> listeners.put(name, uri.getPort()));
        status.put("listeners", listeners);
        host.configuration()
                .map(TlsCertificateCheck::expiries)
                .filter(tls -> !tls.isEmpty())
                .ifPresent(tls -> status.put("tls", tls));
        sections.forEach((name, view) -> status.put(name, section(name, view)));
        Map<String, Object> configuration = new LinkedHashMap<>();
        configuration.put("hash", host.configuration().map(c -> c.hash()).orElse(null));
        configuration.put("lastReload", host.lastReload().map(AdminRoutes::view).orElse(null));
        host.sharedSource().ifPresent(source -> {
            Map<String, Object> shared = new LinkedHashMap<>();
            shared.put("source", source.describe());
            boolean connected = source.connected();
            shared.put("connected", connected);
            shared.put("lastFailure", connected ? null : source.lastFailure().orElse(null));
            configuration.put("shared", shared);
        });
        status.put("config", configuration);
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        Map<String, Object> jvm = new LinkedHashMap<>();
        jvm.put("version", Runtime.version().toString());
        jvm.put("vendor", System.getProperty("java.vendor"));
        jvm.put("heapUsedBytes", heap.getUsed());
        jvm.put("heapMaxBytes", heap.getMax());
        jvm.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        jvm.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        status.put("jvm", jvm);
        return status;
    }

    /**
     * One application section; one that throws, or whose value cannot be written as JSON, shows
     * {@code {"error": "<class>: <message>"}} instead of failing the whole document (and with it the status page and
     * the {@code status} verb). Logged at WARN when a section starts failing or fails differently, not at every request
     * while it keeps failing the same way.
     */
    private Object section(String name, Supplier<Object> view) {
        try {
            // Written as JSON here (read back as maps and lists, which the status page shows as tables), so a value
            // that cannot be written fails this section and not the whole response.
            Object value = JsonBodies.mapper().convertValue(view.get(), Object.class);
            failingSections.remove(name);
            return value;
        } catch (RuntimeException e) {
            String failure = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            if (!failure.equals(failingSections.put(name, failure))) {
                LOG.warn("Status section \"{}\" failed; /admin/status shows the error in its place", name, e);
            }
            return Map.of("error", failure);
        }
    }

    private void reload(ServerRequest req, ServerResponse res) {
        ReloadReport report = host.reload();
        if (!report.ok()) {
            throw ProblemException.of(422, "Configuration not reloaded", report.summary())
                    .withExtension("lastReload", view(report));
        }
        JsonBodies.send(res, Status.OK_200, view(report));
    }

    static Map<String, Object> view(ReloadReport report) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("at", report.at().toString());
        view.put("ok", report.ok());
        view.put("applied", report.applied());
        view.put("inactive", report.inactive());
        view.put("requiresRestart", report.requiresRestart());
        view.put("error", report.error().orElse(null));
        return view;
    }

    /** An existing logger's levels; an unknown name is 404 and, unlike PUT, does not create the logger. */
    private void logger(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        LoggingConfigurator.LoggerLevel level = LoggingConfigurator.level(name)
                .orElseThrow(() -> ProblemException.notFound("No logger is named \"" + name
                        + "\"; use a logger or package name the service logs under, or ROOT for the root logger"));
        JsonBodies.send(res, Status.OK_200, view(level));
    }

    private void setLogger(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        LevelRequest body = JsonBodies.read(req, LevelRequest.class);
        try {
            JsonBodies.send(
                    res, Status.OK_200, view(LoggingConfigurator.setLevel(name, Optional.ofNullable(body.level()))));
        } catch (IllegalArgumentException e) {
            throw ProblemException.validation(List.of(new FieldError("level", e.getMessage())));
        }
    }

    private static Map<String, Object> view(LoggingConfigurator.LoggerLevel level) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", level.name());
        view.put("configuredLevel", level.configuredLevel().orElse(null));
        view.put("effectiveLevel", level.effectiveLevel());
        return view;
    }
}
