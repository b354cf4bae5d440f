package dev.servicekit.http;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches TLS files and runs a callback once after they change and then stay unchanged for the debounce
 * period. Change means a different last-modified time, size or SHA-256 of the content (so an edit within one
 * timestamp tick still counts), or the file appearing or disappearing.
 *
 * <p>Two triggers, one check: a {@link WatchService} on each file's directory wakes the watcher at once (the
 * directory, not the file, so atomic-rename writers and Kubernetes' symlink swaps are seen), and a poll every
 * {@code pollInterval} covers file systems without change events (NFS, some container mounts). Either way the
 * watcher compares the files' fingerprints with those last handed to the callback, so a spurious event does
 * nothing. The callback runs on the watcher's own daemon thread; a failing callback is logged and the watcher
 * carries on with the next change.
 */
final class TlsFileWatcher implements AutoCloseable {

    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
    static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(300);

    private static final Logger LOG = LoggerFactory.getLogger(TlsFileWatcher.class);

    private final String name;
    private final List<Path> files;
    private final Duration pollInterval;
    private final Duration debounce;
    private final Runnable onChange;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Map<Path, Fingerprint> baseline;
    private final boolean useWatchService;
    private Optional<WatchService> watchService = Optional.empty();
    private Thread thread;

    /** Takes the baseline fingerprints now: changes after this point, even before {@link #start()}, are reported. */
    TlsFileWatcher(String name, List<Path> files, Duration pollInterval, Duration debounce, Runnable onChange) {
        this(name, files, pollInterval, debounce, onChange, true);
    }

    /** {@code useWatchService} false: polling only, as on file systems without change events (for tests). */
    TlsFileWatcher(
            String name,
            List<Path> files,
            Duration pollInterval,
            Duration debounce,
            Runnable onChange,
            boolean useWatchService) {
        this.useWatchService = useWatchService;
        this.name = Objects.requireNonNull(name, "name");
        this.files = List.copyOf(files);
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.debounce = Objects.requireNonNull(debounce, "debounce");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.baseline = snapshot();
    }

    /** Starts the watcher thread; returns at once. */
    synchronized void start() {
        if (thread != null) {
            return;
        }
        watchService = useWatchService ? openWatchService() : Optional.empty();
        thread = Thread.ofPlatform()
                .daemon()
                .name("servicekit-tls-watcher-" + name)
                .unstarted(this::run);
        thread.start();
    }

    /** Stops the watcher and waits briefly for its thread; a callback already running finishes first. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            closed.countDown();
            watchService.ifPresent(TlsFileWatcher::closeQuietly);
            running = thread;
        }
        if (running != null && running != Thread.currentThread()) {
            try {
                running.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Optional<WatchService> openWatchService() {
        try {
            WatchService service = FileSystems.getDefault().newWatchService();
            for (Path directory : files.stream()
                    .map(Path::getParent)
                    .filter(Objects::nonNull)
                    .distinct()
                    .toList()) {
                try {
                    directory.register(
                            service,
                            StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                } catch (IOException e) {
                    LOG.debug("Cannot watch {} for TLS file changes; polling every {}", directory, pollInterval, e);
                }
            }
            return Optional.of(service);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("No file change events for TLS files; polling every {}", pollInterval, e);
            return Optional.empty();
        }
    }

    private void run() {
        Map<Path, Fingerprint> applied = baseline;
        Map<Path, Fingerprint> pending = null;
        long pendingSince = 0;
        try {
            while (closed.getCount() > 0) {
                awaitTrigger(pending == null ? pollInterval : debounce);
                if (closed.getCount() == 0) {
                    return;
                }
                Map<Path, Fingerprint> now = snapshot();
                if (now.equals(applied)) {
                    pending = null;
                } else if (!now.equals(pending)) {
                    // Changed (again): wait until writers are done, e.g. certificate and key written one after the
                    // other.
                    pending = now;
                    pendingSince = System.nanoTime();
                } else if (System.nanoTime() - pendingSince >= debounce.toNanos()) {
                    applied = now;
                    pending = null;
                    runCallback();
                }
            }
        } catch (ClosedWatchServiceException e) {
            // close() was called
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitTrigger(Duration timeout) throws InterruptedException {
        if (watchService.isEmpty()) {
            closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        WatchService service = watchService.get();
        WatchKey key = service.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        while (key != null) {
            key.pollEvents(); // the events only wake us; the fingerprints decide
            key.reset();
            key = service.poll();
        }
    }

    private void runCallback() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            LOG.warn("{} server: handling a change of its TLS files {} failed", name, files, e);
        }
    }

    private Map<Path, Fingerprint> snapshot() {
        Map<Path, Fingerprint> snapshot = new LinkedHashMap<>();
        for (Path file : files) {
            snapshot.put(file, Fingerprint.of(file));
        }
        return snapshot;
    }

    private static void closeQuietly(WatchService service) {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("Closing the TLS file watch service failed", e);
        }
    }

    /** What identifies one version of a file; {@code missing} when it does not exist or cannot be read. */
    record Fingerprint(boolean missing, long modifiedMillis, long size, String sha256) {

        static final Fingerprint MISSING = new Fingerprint(true, 0, 0, "");

        static Fingerprint of(Path file) {
            try {
                long modified = Files.getLastModifiedTime(file).toMillis();
                byte[] content = Files.readAllBytes(file);
                return new Fingerprint(
                        false,
                        modified,
                        content.length,
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
            } catch (NoSuchFileException e) {
                return MISSING;
            } catch (IOException e) {
                return new Fingerprint(true, 0, 0, "unreadable: " + e.getClass().getSimpleName());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
        }
    }
}
