package dev.servicekit.http;

import dev.servicekit.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

        Poll.until(DEADLINE, "the polling watcher reports the change", () -> changes.get() == 1);
    }

    @Test
    void aContentChangeWithTheSameSizeAndTimestampIsNoticed() throws Exception {
        Path file = Files.writeString(dir.resolve("cert.pem"), "aaaa");
        FileTime modified = Files.getLastModifiedTime(file);
        watcher = polling(file);

        Files.writeString(file, "bbbb");
        Files.setLastModifiedTime(file, modified);

        Poll.until(DEADLINE, "the content hash reveals the change", () -> changes.get() == 1);
    }

    @Test
    void aBurstOfWritesIsReportedOnceAfterItSettles() throws Exception {
        Path certificate = Files.writeString(dir.resolve("cert.pem"), "cert-1");
        Path key = Files.writeString(dir.resolve("key.pem"), "key-1");
        watcher = new TlsFileWatcher(
                "test",
                List.of(certificate, key),
                Duration.ofSeconds(30),
                Duration.ofMillis(300),
                changes::incrementAndGet);
        watcher.start();

        for (int i = 2; i < 6; i++) {
            Files.writeString(key, "key-" + i);
            Files.writeString(certificate, "cert-" + i);
        }

        // The 30 s poll interval means only file events can trigger this within the deadline.
        Poll.until(DEADLINE, "the watch service reports the burst", () -> changes.get() >= 1);
        Poll.during(
                Duration.ofMillis(700),
                "one change only, for more than two debounce periods",
                () -> changes.get() == 1);
    }

    @Test
    void noCallbackAfterClose() throws Exception {
        Path file = Files.writeString(dir.resolve("cert.pem"), "one");
        watcher = polling(file);
        watcher.close();

        Files.writeString(file, "two, longer");

        Poll.during(Duration.ofMillis(500), "no change reported for several poll intervals", () -> changes.get() == 0);
    }

    private TlsFileWatcher polling(Path file) {
        TlsFileWatcher polling = new TlsFileWatcher(
                "test", List.of(file), Duration.ofMillis(50), Duration.ofMillis(100), changes::incrementAndGet, false);
        polling.start();
        return polling;
    }
}
