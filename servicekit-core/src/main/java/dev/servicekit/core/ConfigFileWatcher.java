package dev.servicekit.core;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the configuration file and calls back (the host's {@code reload()}) when its content changes.
 *
 * <ul>
 *   <li>The {@link WatchService} watches the file's <em>parent directory</em>, not the file: editors that save
 *       by writing a temporary file and renaming it over the original (vim, {@code mv tmp config.yaml}), and
 *       Kubernetes ConfigMap volumes, which swap a {@code ..data} symlink, replace the file rather than modify
 *       it. Events are filtered by name alone, without touching the disk: the file's own name, and when the file is a
 *       symbolic link the first element of its relative target and the {@code ..}-prefixed names of a
 *       ConfigMap swap ({@code ..data}, {@code ..data_tmp}, {@code ..2024_01_01...}).</li>
 *   <li>A busy directory is watched for names only: once more than {@value #BUSY_EVENTS} events for other entries
 *       arrive within a second (a database or a log file written next to the configuration; SQLite's WAL gives one
 *       or more per commit), the directory is registered again for {@code ENTRY_CREATE} and {@code ENTRY_DELETE}
 *       alone, which still catch renames over the file and ConfigMap swaps at once, and in-place writes are found
 *       by reading the file's modification time, size and file key every {@code pollInterval}. Each write to the
 *       database otherwise woke two threads (the JDK's inotify poller and this one): 6 % of the CPU samples of
 *       durable creates under load. It stays so until closed.</li>
 *   <li>Debounced: the file is read {@link #DEBOUNCE} after the last event, so a burst of writes gives one
 *       reload of the final content.</li>
 *   <li>Content, not timestamps, decides: the file's SHA-256 is compared with the last one seen, so touching
 *       it or rewriting the same bytes does not reload.</li>
 *   <li>A missing file is not a change: editors and ConfigMap swaps remove it for a moment. The running
 *       configuration stays; when a file appears (again, or for the first time at a default path that did not
 *       exist at start) with new content, it is reloaded.</li>
 *   <li>Polling fallback: when the directory cannot be registered (no WatchService, inotify watch limit
 *       reached, the directory does not exist) or the JDK's WatchService is itself a polling one, the file's
 *       modification time and size are read every {@code pollInterval} and, when they changed, its hash. So too,
 *       with a warning, once the directory can no longer be watched: removed, or not registered again when found
 *       busy (moved away, the inotify watch limit).</li>
 * </ul>
 *
 * <p>How fast it is: on Linux the JDK's WatchService is built on inotify and events arrive at once, so a change
 * is reloaded about {@link #DEBOUNCE} after the last write (an in-place write to a file in a busy directory up to
 * {@code pollInterval} later). On macOS the JDK's WatchService polls (every few
 * seconds), so this class polls on its own at {@code pollInterval} instead. Network file systems may deliver no
 * events for changes made on another machine; SIGHUP and the other triggers work everywhere.
 *
 * <p>One daemon platform thread per watcher; the callback runs on it, one at a time. {@link #close()} stops it.
 */
final class ConfigFileWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigFileWatcher.class);

    /** Quiet time after the last event before the file is read. */
    static final Duration DEBOUNCE = Duration.ofMillis(200);

    /** Events for other entries within {@link #BUSY_WINDOW} past which the directory counts as busy. */
    static final int BUSY_EVENTS = 64;

    private static final Duration BUSY_WINDOW = Duration.ofSeconds(1);

    /** Opens the WatchService: the seam tests use to force the polling fallback. */
    @FunctionalInterface
    interface WatchServiceFactory {
        WatchService open(FileSystem fileSystem) throws IOException;
    }

    private final Path file;
    private final Path directory;
    private final Path name;
    private final Duration pollInterval;
    private final Duration debounce;
    private final Runnable onChange;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private volatile Optional<WatchService> watchService = Optional.empty();
    /** Directory entries whose events may change the file's content: its name, and a symlink's target. */
    private volatile java.util.Set<Path> relevantNames = java.util.Set.of();

    private volatile boolean symlink;
    private volatile boolean busy;
    private Optional<String> lastHash;
    private Optional<Stat> lastStat;
    private Thread thread;

    private ConfigFileWatcher(Path file, Duration pollInterval, Duration debounce, Runnable onChange) {
        this.file = file.toAbsolutePath().normalize();
        this.directory = Objects.requireNonNull(this.file.getParent(), "a file path has a parent");
        this.name = this.file.getFileName();
        this.pollInterval = pollInterval;
        this.debounce = debounce;
        this.onChange = onChange;
    }

    /** Starts watching {@code file} with the JDK's WatchService (polling if it cannot be used). */
    static ConfigFileWatcher start(Path file, Duration pollInterval, Runnable onChange) {
        return start(file, pollInterval, DEBOUNCE, onChange, FileSystem::newWatchService);
    }

    /**
     * Starts watching {@code file}; returns once the watch is registered (or polling is set up), so a write
     * after this returns is seen.
     */
    static ConfigFileWatcher start(
            Path file, Duration pollInterval, Duration debounce, Runnable onChange, WatchServiceFactory factory) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(onChange, "onChange");
        Objects.requireNonNull(factory, "factory");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, was " + pollInterval);
        }
        ConfigFileWatcher watcher = new ConfigFileWatcher(file, pollInterval, debounce, onChange);
        watcher.begin(factory);
        return watcher;
    }

    private void begin(WatchServiceFactory factory) {
        learnLink();
        lastHash = ConfigReloader.digest(file);
        lastStat = stat();
        Optional<String> whyPolling = Optional.empty();
        try {
            WatchService service = factory.open(directory.getFileSystem());
            if (service.getClass().getName().endsWith("PollingWatchService")) {
                service.close();
                whyPolling = Optional.of("the JDK's WatchService polls on this platform");
            } else {
                try {
                    directory.register(
                            service,
                            StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                    watchService = Optional.of(service);
                } catch (IOException | RuntimeException e) {
                    service.close();
                    throw e;
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            whyPolling = Optional.of("watching " + directory + " failed: " + describe(e));
        }
        Runnable loop;
        if (watchService.isPresent()) {
            WatchService service = watchService.get();
            LOG.info("Watching {} for changes (WatchService on {})", file, directory);
            loop = () -> watch(service);
        } else {
            LOG.info(
                    "Watching {} for changes by polling every {} ({})",
                    file,
                    ConfigType.formatDuration(pollInterval),
                    whyPolling.orElse(""));
            loop = this::poll;
        }
        thread = Thread.ofPlatform().name("config-file-watcher").daemon(true).start(loop);
    }

    /** True when the fallback polls instead of the WatchService. */
    boolean polling() {
        return watchService.isEmpty();
    }

    /**
     * True once the directory was found busy: watched for created and deleted names only, the file's in-place writes
     * found by polling its attributes.
     */
    boolean busy() {
        return busy;
    }

    /**
     * How many checks are complete: the file's content compared (each debounced event or changed stat) and, when it
     * had changed, the callback returned. For tests: once it moved, what that check did is done.
     */
    long checks() {
        return checks.get();
    }

    /** How often the content had changed and the callback ran. */
    long changes() {
        return changes.get();
    }

    /** Stops watching and waits (briefly) for the watcher thread to end. Idempotent. */
    @Override
    public void close() {
        closed.countDown();
        Optional<WatchService> service = watchService; // read once: the watcher thread may empty it (pollInstead)
        if (service.isPresent()) {
            try {
                service.get().close();
            } catch (IOException e) {
                LOG.debug("Closing the WatchService failed", e);
            }
        }
        if (thread != Thread.currentThread()) {
            try {
                thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean isClosed() {
        return closed.getCount() == 0;
    }

    private void watch(WatchService service) {
        long dueAt = 0;
        boolean pending = false;
        long windowStart = System.nanoTime();
        int otherEvents = 0;
        long statDueAt = 0;
        try {
            while (!isClosed()) {
                long now = System.nanoTime();
                WatchKey key;
                if (pending || busy) {
                    long until =
                            pending && busy ? (dueAt - statDueAt < 0 ? dueAt : statDueAt) : pending ? dueAt : statDueAt;
                    long wait = until - now;
                    key = wait > 0 ? service.poll(wait, TimeUnit.NANOSECONDS) : service.poll();
                } else {
                    key = service.take();
                }
                if (key != null) {
                    boolean relevant = false;
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW || isRelevant(event.context())) {
                            relevant = true;
                        } else {
                            otherEvents += event.count();
                        }
                    }
                    boolean valid = key.reset();
                    if (relevant) {
                        pending = true;
                        dueAt = System.nanoTime() + debounce.toNanos();
                    }
                    if (!valid) {
                        pollInstead(service, "the directory was removed?");
                        return;
                    }
                    if (!busy) {
                        long at = System.nanoTime();
                        if (at - windowStart > BUSY_WINDOW.toNanos()) {
                            windowStart = at;
                            otherEvents = 0;
                        } else if (otherEvents > BUSY_EVENTS) {
                            try {
                                watchNamesOnly(service);
                            } catch (IOException e) {
                                pollInstead(service, "registering it again for names only failed: " + describe(e));
                                return;
                            }
                            statDueAt = at + pollInterval.toNanos();
                        }
                    }
                }
                if (busy && System.nanoTime() - statDueAt >= 0) {
                    statDueAt = System.nanoTime() + pollInterval.toNanos();
                    Optional<Stat> stat = stat();
                    if (stat.isPresent() && !stat.equals(lastStat) && !pending) {
                        pending = true; // written in place: let the writer finish, then compare content
                        dueAt = System.nanoTime() + debounce.toNanos();
                    }
                }
                if (pending && System.nanoTime() - dueAt >= 0) {
                    pending = false;
                    lastStat = stat(); // before the content is read: a write after that changes it again
                    check();
                }
            }
        } catch (ClosedWatchServiceException e) {
            // closed: done
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gives up the WatchService and polls from now on, on this thread. A change made since the last check is still
     * found: {@link #lastStat} is as of that check.
     */
    private void pollInstead(WatchService service, String why) {
        LOG.warn(
                "{} can no longer be watched ({}); polling {} every {} instead",
                directory,
                why,
                name,
                ConfigType.formatDuration(pollInterval));
        watchService = Optional.empty();
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("Closing the WatchService failed", e);
        }
        if (!isClosed()) {
            poll();
        }
    }

    /** Registers the directory again for created and deleted names only; its modifications no longer wake us. */
    private void watchNamesOnly(WatchService service) throws IOException {
        // lastStat stays as of the last check, so a write made before this is still seen as a change.
        directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
        busy = true;
        LOG.info(
                "{} is busy (over {} writes to other files in a second); watching it for renames and reading {}'s"
                        + " attributes every {} for in-place writes",
                directory,
                BUSY_EVENTS,
                name,
                ConfigType.formatDuration(pollInterval));
    }

    private void poll() {
        try {
            while (!closed.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                Optional<Stat> now = stat();
                if (now.isEmpty() || now.equals(lastStat)) {
                    continue;
                }
                // Changed: let a writer finish (the same quiet time as with events), then compare content.
                if (closed.await(debounce.toNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
                lastStat = stat();
                check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean isRelevant(Object context) {
        if (!(context instanceof Path entry)) {
            return false;
        }
        return relevantNames.contains(entry)
                || symlink && entry.toString().startsWith(".."); // the names include the file's own
    }

    /** Whether the file is a symbolic link, and the directory entry its relative target goes through. */
    private void learnLink() {
        java.util.Set<Path> names = new java.util.HashSet<>();
        names.add(name);
        boolean link = Files.isSymbolicLink(file);
        if (link) {
            try {
                Path target = Files.readSymbolicLink(file);
                if (!target.isAbsolute() && target.getNameCount() > 0) {
                    names.add(target.getName(0));
                }
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("Cannot read the link {}: {}", file, describe(e));
            }
        }
        relevantNames = java.util.Set.copyOf(names);
        symlink = link;
    }

    /** Compares the content and reloads when it changed; counted in {@link #checks} only once all that is done. */
    private void check() {
        try {
            learnLink();
            Optional<String> now = ConfigReloader.digest(file);
            if (now.isEmpty() || now.equals(lastHash)) {
                return; // missing (mid-swap) or the same bytes: nothing to reload
            }
            lastHash = now;
            changes.incrementAndGet();
            LOG.info("{} changed; reloading the configuration", file);
            try {
                onChange.run();
            } catch (RuntimeException e) {
                LOG.warn("Reloading after a change to {} failed: {}", file, describe(e), e);
            }
        } finally {
            checks.incrementAndGet();
        }
    }

    private Optional<Stat> stat() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return Optional.of(new Stat(
                    attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS),
                    attributes.size(),
                    Optional.ofNullable(attributes.fileKey()).map(Object::toString)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** What polling compares before hashing; the file key (inode) catches a rename-over with the same size and time. */
    private record Stat(long modifiedNanos, long size, Optional<String> fileKey) {}

    private static String describe(Exception e) {
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
