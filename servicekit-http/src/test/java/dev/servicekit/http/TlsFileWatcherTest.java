package dev.servicekit.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.servicekit.http.HttpTestSupport.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

class TlsFileWatcherTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final AtomicInteger changes = new AtomicInteger();
    private TlsFileWatcher watcher;

    @AfterEach
    void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    void pollingAloneNoticesAChangeWithoutFileEvents() throws Exception {
        Path file = Files.writeString(dir.resolve("cert.pem"), "one");
        watcher = polling(file);

        Files.writeString(file, "two, longer");

        awaitUntil(() -> changes.get() == 1, DEADLINE, "the polling watcher reports the change");
    }

    @Test
    void aContentChangeWithTheSameSizeAndTimestampIsNoticed() throws Exception {
        Path file = Files.writeString(dir.resolve("cert.pem"), "aaaa");
        FileTime modified = Files.getLastModifiedTime(file);
        watcher = polling(file);

        Files.writeString(file, "bbbb");
        Files.setLastModifiedTime(file, modified);

        awaitUntil(() -> changes.get() == 1, DEADLINE, "the content hash reveals the change");
    }

    @Test
    void aBurstOfWritesIsReportedOnceAfterItSettles() throws Exception {
        Path certificate = Files.writeString(dir.resolve("cert.pem"), "cert-1");
        Path key = Files.writeString(dir.resolve("key.pem"), "key-1");
        watcher = new TlsFileWatcher("test", List.of(certificate, key), Duration.ofSeconds(30), Duration.ofMillis(300),
                                     changes::incrementAndGet);
        watcher.start();

        for (int i = 2; i < 6; i++) {
            Files.writeString(key, "key-" + i);
            Files.writeString(certificate, "cert-" + i);
        }

        // The 30 s poll interval means only file events can trigger this within the deadline.
        awaitUntil(() -> changes.get() >= 1, DEADLINE, "the watch service reports the burst");
        long settledAt = System.nanoTime();
        awaitUntil(() -> System.nanoTime() - settledAt > Duration.ofMillis(700).toNanos(), DEADLINE,
                   "more than two debounce periods pass");
        assertThat(changes.get()).isEqualTo(1);
    }

    @Test
    void noCallbackAfterClose() throws Exception {
        Path file = Files.writeString(dir.resolve("cert.pem"), "one");
        watcher = polling(file);
        watcher.close();

        Files.writeString(file, "two, longer");
        long changedAt = System.nanoTime();

        awaitUntil(() -> System.nanoTime() - changedAt > Duration.ofMillis(500).toNanos(), DEADLINE,
                   "several poll intervals pass");
        assertThat(changes.get()).isZero();
    }

    private TlsFileWatcher polling(Path file) {
        TlsFileWatcher polling = new TlsFileWatcher("test", List.of(file), Duration.ofMillis(50), Duration.ofMillis(100),
                                                    changes::incrementAndGet, false);
        polling.start();
        return polling;
    }
}
