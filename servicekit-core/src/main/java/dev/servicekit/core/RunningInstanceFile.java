package dev.servicekit.core;

import dev.servicekit.spi.ServiceState;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a running service leaves in its data directory so that {@code status} and {@code doctor} find it however it
 * was started (a foreground {@code run}, a detached daemon, a service manager): {@code <data-dir>/<id>.running.json}
 * with its pid, the process's start time, its lifecycle state and where it listens, e.g.
 * {@code {"pid":4242,"processStart":"…","state":"RUNNING","endpoints":{"api":"http://0.0.0.0:8080",…}}}. Written
 * atomically (temp file, then rename) after every lifecycle transition, deleted when the service stops; a file left
 * by a killed process names a pid that is gone, or one that now belongs to a process started at another time, and
 * reads as not running ({@link Found#alive()}). It holds nothing secret.
 *
 * @param file the file
 */
record RunningInstanceFile(Path file) {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(RunningInstanceFile.class);
    }
    /** How far a recorded process start may be from the one the OS reports for the same pid (clock granularity). */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(2);

    RunningInstanceFile {
        Objects.requireNonNull(file, "file");
    }

    /** {@code <dataDir>/<id>.running.json}; {@code id} is the service name, or {@code <name>@<instance>}. */
    static RunningInstanceFile in(Path dataDir, String id) {
        return new RunningInstanceFile(
                dataDir.resolve(id + ".running.json").toAbsolutePath().normalize());
    }

    /**
     * What was read: the pid, when the process started (empty where the OS does not say), the state it last wrote,
     * and its endpoints by name.
     */
    record Found(Path file, long pid, Optional<Instant> processStart, String state, Map<String, URI> endpoints) {

        /**
         * Whether the process that wrote the file still runs: its pid is alive, not a zombie, and (where both are
         * known) started when the file says.
         */
        boolean alive() {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isEmpty() || !handle.get().isAlive() || isZombie(pid)) {
                return false;
            }
            Optional<Instant> started = handle.get().info().startInstant();
            return processStart.isEmpty()
                    || started.isEmpty()
                    || Duration.between(processStart.get(), started.get()).abs().compareTo(START_TOLERANCE) <= 0;
        }

        /** The management listener's base URI, when the service has one. */
        Optional<URI> management() {
            return Optional.ofNullable(endpoints.get("management"));
        }
    }

    /**
     * Records the host's state and endpoints; removes the file once the state is final. A file that names another
     * live process is left as it is: a second process of the same service on the same data directory (a {@code run}
     * beside an installed service, say, which usually fails on a port in use) must not make {@code status} lose the
     * first, neither while it starts nor when it ends. Never throws.
     */
    void update(ServiceHost host, ServiceState state) {
        if (state.isFinal()) {
            delete();
            return;
        }
        if (!Files.isDirectory(file.toAbsolutePath().getParent())) {
            return; // the data directory appears during start (the service creates it); the RUNNING write follows
        }
        ProcessHandle self = ProcessHandle.current();
        Optional<Found> other = read().filter(found -> found.pid() != self.pid() && found.alive());
        if (other.isPresent()) {
            if (state == ServiceState.RUNNING) {
                log().warn(
                                "{} already runs on this data directory as pid {}, which {} records; status, doctor,"
                                        + " reload and stop find that process, not this one (pid {}). Give this one a"
                                        + " data-dir or an instance of its own to manage both",
                                host.name(),
                                other.get().pid(),
                                file,
                                self.pid());
            }
            return;
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("pid", self.pid());
        view.put(
                "processStart",
                self.info().startInstant().map(Instant::toString).orElse(null));
        view.put("name", host.name());
        host.instance().ifPresent(instance -> view.put("instance", instance));
        view.put("state", state.name());
        Map<String, String> endpoints = new TreeMap<>();
        host.endpoints().forEach((name, uri) -> endpoints.put(name, uri.toString()));
        view.put("endpoints", endpoints);
        Path temp = file.resolveSibling(file.getFileName() + "." + self.pid() + ".tmp");
        try {
            Files.writeString(temp, JsonValues.write(view) + "\n", StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log().warn("Cannot write {} ({}); status and doctor will not find this process", file, e.getMessage());
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    /** Removes the file if this process wrote it. Never throws. */
    void delete() {
        Optional<Found> found = read();
        if (found.isPresent() && found.get().pid() != ProcessHandle.current().pid()) {
            return; // another process took over the data directory
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log().debug("Cannot remove {}: {}", file, e.getMessage());
        }
    }

    /** What the process running in {@code dataDir} as {@code id} recorded; empty when none is alive there. */
    static Optional<Found> live(Path dataDir, String id) {
        return in(dataDir, id).read().filter(Found::alive);
    }

    /** Reads the file; empty when it is absent or not in the expected form. */
    Optional<Found> read() {
        Map<String, Object> json;
        try {
            json = JsonValues.readObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) { // absent (NoSuchFileException), unreadable, or not a JSON object
            return Optional.empty();
        }
        if (!(json.get("pid") instanceof Number pid)
                || !(pid instanceof Integer || pid instanceof Long)
                || pid.longValue() <= 0) {
            return Optional.empty();
        }
        Optional<Instant> start = Optional.empty();
        if (json.get("processStart") instanceof String text) {
            try {
                start = Optional.of(Instant.parse(text));
            } catch (RuntimeException e) {
                start = Optional.empty();
            }
        }
        Map<String, URI> endpoints = new TreeMap<>();
        if (json.get("endpoints") instanceof Map<?, ?> named) {
            named.forEach((name, uri) -> {
                try {
                    if (uri instanceof String text) {
                        endpoints.put((String) name, URI.create(text));
                    }
                } catch (IllegalArgumentException e) {
                    // an endpoint that is not a URI is left out
                }
            });
        }
        String state = json.get("state") instanceof String text ? text : "UNKNOWN";
        return Optional.of(new Found(file, pid.longValue(), start, state, Map.copyOf(endpoints)));
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // no /proc (macOS): the JDK's isAlive is all there is
        }
    }
}
