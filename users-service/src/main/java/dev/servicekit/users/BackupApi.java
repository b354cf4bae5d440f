package dev.servicekit.users;

import dev.servicekit.http.ProblemException;
import dev.servicekit.http.Route;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /admin/backup} on the management listener (admin scope; declared through
 * {@link dev.servicekit.http.HttpServiceContext#adminRoutes}): the running service takes a snapshot of its store
 * ({@link SnapshotSource}) and sends it as the body, so a backup is consistent with what it serves. The headers say
 * what it is: {@value #PAYLOAD}, {@value #TAKEN_AT}, {@value #SOURCE} and {@value #SHA256} (of the body, to check the
 * transfer). The {@code backup} command writes the file and its manifest on its own side
 * ({@link BackupCommand}), so the service never writes where a caller names.
 */
final class BackupApi {

    static final String PATH = "/admin/backup";
    static final String PAYLOAD = "Backup-Payload";
    static final String TAKEN_AT = "Backup-Taken-At";
    static final String SOURCE = "Backup-Source";
    static final String SHA256 = "Backup-Sha256";

    private static final Logger LOG = LoggerFactory.getLogger(BackupApi.class);

    private final SnapshotSource store;
    private final Clock clock;

    BackupApi(SnapshotSource store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(Route.post(PATH, this::backup));
    }

    private void backup(ServerRequest request, ServerResponse response) throws IOException {
        Path staged = staging(() -> Backups.ownerOnlyTempFile(store.stagingDirectory(), "backup"));
        try {
            Instant takenAt = clock.instant();
            long begin = System.nanoTime();
            snapshot(staged);
            String sha256 = staging(() -> Backups.sha256(staged));
            long size = staging(() -> Files.size(staged));
            LOG.info(
                    "Backup snapshot of {} taken ({} bytes in {} ms); sending it",
                    store.describe(),
                    size,
                    (System.nanoTime() - begin) / 1_000_000);
            response.status(Status.OK_200);
            response.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
            response.header(HeaderNames.create(PAYLOAD), store.payloadFormat());
            response.header(HeaderNames.create(TAKEN_AT), takenAt.toString());
            response.header(HeaderNames.create(SOURCE), store.describe());
            response.header(HeaderNames.create(SHA256), sha256);
            response.headers().contentLength(size);
            try (OutputStream out = response.outputStream()) {
                Files.copy(staged, out);
            }
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /** A step that reads or writes the staged snapshot. */
    private interface StagingStep<T> {
        T run() throws IOException;
    }

    /**
     * Runs a step on the staged snapshot; an {@link IOException} there (no descriptor left, a full disk, a staging
     * directory that cannot be written) is the service's state, not a bug: a 503 problem that names it, not a 500.
     */
    private <T> T staging(StagingStep<T> step) {
        try {
            try {
                return step.run();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            String why = message.contains("Too many open files")
                    ? "the service is out of file descriptors (Too many open files)"
                    : message.contains("No space left")
                            ? "the disk is full (No space left on device)"
                            : "the staging file could not be written or read (" + e + ")";
            LOG.warn("Backup of {} could not stage its snapshot: {}", store.describe(), e.toString());
            throw ProblemException.serviceUnavailable(
                    "The backup could not stage its snapshot: " + why + "; retry later", Duration.ofSeconds(5));
        }
    }

    /** {@code VACUUM INTO} runs in native code: on a platform thread, so no virtual thread's carrier is pinned. */
    private void snapshot(Path staged) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name("backup-snapshot").daemon().start(() -> {
            try {
                store.snapshotTo(staged);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get();
        } catch (ExecutionException e) {
            LOG.warn(
                    "Backup snapshot of {} failed: {}",
                    store.describe(),
                    e.getCause().toString());
            throw ProblemException.of(
                            503,
                            "Backup failed",
                            "The snapshot failed: " + e.getCause().getMessage() + "; retry later")
                    .withHeader("Retry-After", "5");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted during the snapshot"));
        }
    }
}
