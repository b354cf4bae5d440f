package dev.servicekit.users;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups the running service takes by itself ({@code backup.interval}, {@code backup.dir}, {@code backup.keep}): one
 * background platform thread takes a backup right after start and then every interval, into
 * {@code users-<yyyyMMdd'T'HHmmss.SSS'Z'>.db} and its manifest in the directory, written as {@code backup --to} writes
 * (the store's {@link SnapshotSource} into an owner-only temp file, then {@link Backups#seal}), and then deletes its
 * own oldest backups beyond {@code keep}. It never deletes a file whose name it did not make. A backup that fails is
 * logged at WARN and counted; the next interval tries again. Never two at once (one thread); {@link #stop} waits for
 * a backup in progress (interrupting its snapshot, never the writing of its files) and leaves no temp file.
 *
 * <p>Meters (always registered while the store can back up, so an alert can tell "off" from "failing"):
 * {@value #LAST_SUCCESS} (unix seconds, 0 before the first success), {@value #DURATION} (a timer of the successful
 * backups), {@value #SIZE} (bytes of the last successful payload), {@value #FAILURES} and {@value #INTERVAL} (seconds,
 * 0 when off).
 */
final class ScheduledBackups {

    static final String LAST_SUCCESS = "users.backup.last.success.timestamp";
    static final String DURATION = "users.backup.duration";
    static final String SIZE = "users.backup.size";
    static final String FAILURES = "users.backup.failures";
    static final String INTERVAL = "users.backup.interval";

    /** The payload names this class writes; only files of these names are ever deleted. */
    static final Pattern NAME = Pattern.compile("users-\\d{8}T\\d{6}\\.\\d{3}Z\\.db");
    /** Its temp files ({@link Backups#ownerOnlyTempFile}): removed after a failure, at stop and at start. */
    static final Pattern TEMP_NAME =
            Pattern.compile("\\.users-\\d{8}T\\d{6}\\.\\d{3}Z\\.db(\\.manifest\\.json)?\\.-?\\d+\\.tmp");

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledBackups.class);

    private final SnapshotSource store;
    private final Path dir;
    private final Duration interval;
    private final int keep;
    private final Clock clock;
    private final String release;
    private final MeterRegistry registry;
    private final AtomicLong lastSuccessMillis = new AtomicLong();
    private final AtomicLong lastSize = new AtomicLong();
    private final Timer duration;
    private final Counter failures;
    private final List<Meter> meters = new ArrayList<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile Thread worker;
    /** Guards {@link #snapshotting}: stop interrupts the snapshot only, never the writing of the files. */
    private final Object phase = new Object();

    private boolean snapshotting;

    /**
     * @param interval {@link Duration#ZERO} for off (the meters exist, no backup is taken)
     * @param dir absolute; created owner-only by {@link #start} when missing
     * @param keep how many of its backups to keep, at least 1
     */
    ScheduledBackups(
            SnapshotSource store,
            Path dir,
            Duration interval,
            int keep,
            Clock clock,
            String release,
            MeterRegistry registry) {
        if (keep < 1 || interval.isNegative()) {
            throw new IllegalArgumentException(
                    "keep (" + keep + ") must be at least 1 and interval (" + interval + ") not negative");
        }
        this.store = store;
        this.dir = dir.toAbsolutePath().normalize();
        this.interval = interval;
        this.keep = keep;
        this.clock = clock;
        this.release = release;
        this.registry = registry;
        meters.add(Gauge.builder(LAST_SUCCESS, lastSuccessMillis, millis -> millis.get() / 1000.0)
                .baseUnit("seconds")
                .description("When the last scheduled backup succeeded, unix time; 0 before the first one")
                .register(registry));
        meters.add(Gauge.builder(SIZE, lastSize, AtomicLong::get)
                .baseUnit("bytes")
                .description("Size of the last successful scheduled backup's payload")
                .register(registry));
        meters.add(Gauge.builder(INTERVAL, () -> interval.toMillis() / 1000.0)
                .baseUnit("seconds")
                .description("backup.interval; 0 when scheduled backups are off")
                .register(registry));
        this.duration = Timer.builder(DURATION)
                .description("Time each successful scheduled backup took (snapshot, checks, writing)")
                .register(registry);
        this.failures = Counter.builder(FAILURES)
                .description("Scheduled backups that failed")
                .register(registry);
        meters.add(duration);
        meters.add(failures);
    }

    boolean enabled() {
        return !interval.isZero();
    }

    /**
     * Creates the directory (owner-only) when missing, removes temp files an interrupted backup left, and starts the
     * thread; does nothing but keep the meters when off.
     *
     * @throws UncheckedIOException if the directory cannot be created or read, saying which and what to do
     */
    void start() {
        if (!enabled()) {
            return;
        }
        createDirectory();
        removeTempFiles();
        LOG.info("Scheduled backups: every {} into {}, keeping the newest {}", human(interval), dir, keep);
        worker = Thread.ofPlatform().name("scheduled-backups").daemon().start(this::loop);
    }

    /**
     * Stops the thread: a backup in progress finishes its snapshot (SQLite cannot stop {@code VACUUM INTO} half-way)
     * but is not sealed; its temp files are removed. Waits at most {@code timeout}; removes the temp files either way.
     */
    void stop(Duration timeout) throws InterruptedException {
        stopRequested.countDown();
        Thread thread = worker;
        if (thread != null) {
            synchronized (phase) {
                if (snapshotting) {
                    thread.interrupt();
                }
            }
            if (!thread.join(timeout)) {
                LOG.warn("Scheduled backup still running after {}; its temp files are removed", timeout);
            }
            removeTempFiles();
        }
        meters.forEach(registry::remove);
    }

    private void loop() {
        Instant next = clock.instant();
        while (stopRequested.getCount() > 0) {
            long waitMillis = Duration.between(clock.instant(), next).toMillis();
            try {
                if (waitMillis > 0 && stopRequested.await(waitMillis, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            Instant began = clock.instant();
            backupOnce();
            next = began.plus(interval);
        }
    }

    /** Takes one backup and applies the retention; logs and counts a failure, never throws. */
    void backupOnce() {
        Instant takenAt = clock.instant();
        Path file = dir.resolve("users-" + STAMP.format(takenAt) + ".db");
        long begin = System.nanoTime();
        Path payload = null;
        try {
            createDirectory();
            payload = Backups.ownerOnlyTempFile(dir, file.getFileName().toString());
            snapshot(payload);
            if (stopRequested.getCount() == 0) {
                Files.deleteIfExists(payload);
                LOG.info("Scheduled backup {} not kept: the service is stopping", file);
                return;
            }
            BackupManifest manifest = Backups.seal(
                    payload, file, new Backups.Taken(store.payloadFormat(), takenAt, store.describe()), release);
            long nanos = System.nanoTime() - begin;
            duration.record(nanos, TimeUnit.NANOSECONDS);
            lastSize.set(manifest.size());
            lastSuccessMillis.set(clock.millis());
            LOG.info(
                    "Scheduled backup {}: {} users, {} bytes in {} ms",
                    file,
                    manifest.users(),
                    manifest.size(),
                    nanos / 1_000_000);
            prune();
        } catch (RuntimeException | IOException e) {
            if (payload != null) {
                Backups.deleteQuietly(payload, e);
            }
            if (stopRequested.getCount() == 0) {
                LOG.info("Scheduled backup {} stopped with the service: {}", file, e.toString());
            } else {
                failures.increment();
                LOG.warn(
                        "Scheduled backup {} failed ({} failures so far), next try in {}: {}",
                        file,
                        (long) failures.count(),
                        human(interval),
                        e.getMessage());
            }
        }
    }

    /** {@code 1s}, {@code 1h30m}, {@code 24h}: the duration as the configuration writes it, near enough. */
    static String human(Duration duration) {
        return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** The snapshot, the one phase {@link #stop} may interrupt; the interrupt does not outlive it. */
    private void snapshot(Path payload) {
        synchronized (phase) {
            snapshotting = true;
        }
        try {
            store.snapshotTo(payload);
        } finally {
            synchronized (phase) {
                snapshotting = false;
                Thread.interrupted(); // a stop's interrupt is for the snapshot only; the flag says the rest
            }
        }
    }

    /** Deletes this class's oldest backups (payload and manifest) beyond {@code keep}; other files stay. */
    private void prune() throws IOException {
        List<Path> own = ownBackups();
        for (Path old : own.subList(0, Math.max(0, own.size() - keep))) {
            Files.deleteIfExists(Backups.manifestOf(old));
            Files.deleteIfExists(old);
            LOG.info("Scheduled backup {} deleted (backup.keep: {})", old, keep);
        }
    }

    /** This class's backups in the directory, oldest first (the names sort by time). */
    List<Path> ownBackups() throws IOException {
        List<Path> own = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (NAME.matcher(entry.getFileName().toString()).matches() && Files.isRegularFile(entry)) {
                    own.add(entry);
                }
            }
        }
        own.sort(null);
        return own;
    }

    private void removeTempFiles() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (TEMP_NAME.matcher(entry.getFileName().toString()).matches()) {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot remove the temp files of scheduled backups in {}: {}", dir, e.toString());
        }
    }

    private void createDirectory() {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Path parent = dir.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectory(dir); // Windows: the ACL install gives it (or the parent's) applies
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new UncheckedIOException(
                        "Cannot create backup.dir '" + dir + "': '" + e.getFile()
                                + "' exists and is not a directory; remove it or choose another backup.dir",
                        e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create backup.dir '" + dir + "' (" + e + "); create it (owner-only) or choose a directory"
                            + " this account may write to",
                    e);
        }
    }
}
