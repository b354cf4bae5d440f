package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real files in a temp directory, the JDK's real WatchService (inotify on Linux), and the forced polling fallback. */
class ConfigFileWatcherTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration POLL = Duration.ofMillis(100);

    @TempDir
    Path dir;

    final AtomicInteger reloads = new AtomicInteger();
    final List<ConfigFileWatcher> started = new ArrayList<>();

    @AfterEach
    void stopWatchers() throws InterruptedException {
        for (ConfigFileWatcher watcher : started) {
            watcher.close();
        }
    }

    private ConfigFileWatcher watch(Path file) {
        ConfigFileWatcher watcher = ConfigFileWatcher.start(file, POLL, reloads::incrementAndGet);
        started.add(watcher);
        return watcher;
    }

    private ConfigFileWatcher watchByPolling(Path file) {
        ConfigFileWatcher watcher = ConfigFileWatcher.start(
                file, POLL, ConfigFileWatcher.DEBOUNCE, reloads::incrementAndGet, fileSystem -> {
                    throw new IOException("User limit of inotify watches reached");
                });
        started.add(watcher);
        return watcher;
    }

    private Path config(String content) throws IOException {
        return Files.writeString(dir.resolve("config.yaml"), content);
    }

    @Test
    void anInPlaceWriteReloads() throws Exception {
        Path file = config("log:\n  level: info\n");
        ConfigFileWatcher watcher = watch(file);
        assertThat(watcher.polling())
                .as("the JDK's WatchService is used where it works")
                .isFalse();

        Files.writeString(file, "log:\n  level: debug\n");

        awaitAtLeast(reloads::get, 1);
        assertThat(watcher.changes()).isEqualTo(1);
    }

    @Test
    void anAtomicRenameOverTheFileReloads() throws Exception {
        Path file = config("log:\n  level: info\n");
        watch(file);

        Path temporary = Files.writeString(dir.resolve(".config.yaml.swp"), "log:\n  level: warn\n");
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        awaitAtLeast(reloads::get, 1);
    }

    @Test
    void aConfigMapStyleSymlinkSwapReloads() throws Exception {
        Path first = Files.createDirectories(dir.resolve("..2024_01"));
        Files.writeString(first.resolve("config.yaml"), "log:\n  level: info\n");
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2024_01"));
        Path file = Files.createSymbolicLink(dir.resolve("config.yaml"), Path.of("..data/config.yaml"));
        watch(file);

        Path second = Files.createDirectories(dir.resolve("..2024_02"));
        Files.writeString(second.resolve("config.yaml"), "log:\n  level: error\n");
        Path link = Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..2024_02"));
        Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        awaitAtLeast(reloads::get, 1);
        assertThat(Files.readString(file)).contains("error");
    }

    @Test
    void writesToOtherFilesInTheDirectoryAreNotLookedAt() throws Exception {
        Path file = config("log:\n  level: info\n");
        ConfigFileWatcher watcher = watch(file);
        Path log = dir.resolve("users-service.log");

        for (int i = 0; i < 200; i++) {
            Files.writeString(log, "line " + i + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        Files.writeString(file, "log:\n  level: warn\n");

        awaitAtLeast(watcher::checks, 1);
        assertThat(reloads.get()).isEqualTo(1);
        assertThat(watcher.checks())
                .as("only the configuration's own events lead to a check")
                .isEqualTo(1);
    }

    @Test
    void aBusyDirectoryIsWatchedForNamesAndInPlaceWritesAreFoundByTheirAttributes() throws Exception {
        Path file = config("log:\n  level: info\n");
        ConfigFileWatcher watcher = watch(file);
        Path database = dir.resolve("users.db-wal");

        try (var out = Files.newOutputStream(database)) {
            for (int i = 0; !watcher.busy(); i++) {
                out.write(("frame " + i + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.flush();
                assertThat(i).as("writes before the directory counts as busy").isLessThan(1_000_000);
            }
        }
        long checks = watcher.checks();
        Files.writeString(database, "more frames\n", StandardOpenOption.APPEND);
        Files.writeString(file, "log:\n  level: debug\n");
        awaitAtLeast(watcher::checks, checks + 1);
        assertThat(reloads.get()).as("the first check was the in-place write's").isEqualTo(1);

        Path temporary = Files.writeString(dir.resolve(".config.yaml.swp"), "log:\n  level: warn\n");
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitAtLeast(watcher::checks, checks + 2);
        assertThat(reloads.get()).isEqualTo(2);
        assertThat(watcher.checks() - checks)
                .as("one check per change of the configuration, none for the database's writes")
                .isEqualTo(2);
        assertThat(watcher.polling()).isFalse();
    }

    @Test
    void touchingOrRewritingTheSameContentDoesNotReload() throws Exception {
        Path file = config("log:\n  level: info\n");
        ConfigFileWatcher watcher = watch(file);

        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        Files.writeString(file, "log:\n  level: info\n");

        awaitAtLeast(watcher::checks, 1);
        assertThat(reloads.get())
                .as("the content was compared and found unchanged")
                .isZero();
    }

    @Test
    void aBurstOfWritesGivesOneReloadOfTheLastContent() throws Exception {
        Path file = config("n: 0\n");
        List<String> seen = new ArrayList<>();
        ConfigFileWatcher watcher = ConfigFileWatcher.start(file, POLL, () -> {
            reloads.incrementAndGet();
            try {
                seen.add(Files.readString(file));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        started.add(watcher);

        for (int i = 1; i <= 10; i++) {
            Files.writeString(file, "n: " + i + "\n");
        }

        awaitAtLeast(watcher::checks, 1);
        Poll.during(ConfigFileWatcher.DEBOUNCE.multipliedBy(3), "one reload only", () -> reloads.get() == 1);
        assertThat(watcher.checks())
                .as("one debounced check for the whole burst")
                .isEqualTo(1);
        assertThat(seen).containsExactly("n: 10\n");
    }

    @Test
    void theMissingFileIsIgnoredAndAFileAppearingLaterReloads() throws Exception {
        Path file = dir.resolve("config.yaml");
        ConfigFileWatcher watcher = watch(file);

        Files.writeString(file, "log:\n  level: debug\n");
        awaitAtLeast(watcher::checks, 1);
        assertThat(reloads.get()).isEqualTo(1);

        Files.delete(file);
        awaitAtLeast(watcher::checks, 2);
        assertThat(reloads.get())
                .as("a deleted file keeps the running configuration")
                .isEqualTo(1);

        Files.writeString(file, "log:\n  level: debug\n");
        awaitAtLeast(watcher::checks, 3);
        assertThat(reloads.get())
                .as("the same content reappearing is no change")
                .isEqualTo(1);
    }

    @Test
    void thePollingFallbackSeesAChangeButNotATouch() throws Exception {
        Path file = config("log:\n  level: info\n");
        ConfigFileWatcher watcher = watchByPolling(file);
        assertThat(watcher.polling()).isTrue();

        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        awaitAtLeast(watcher::checks, 1);
        assertThat(reloads.get()).isZero();

        Files.writeString(file, "log:\n  level: warn\n");
        awaitAtLeast(reloads::get, 1);
    }

    @Test
    void aDirectoryThatCannotBeWatchedFallsBackToPolling() throws Exception {
        Path file = dir.resolve("not-yet").resolve("config.yaml");
        ConfigFileWatcher watcher = watch(file);
        assertThat(watcher.polling())
                .as("the directory does not exist, so it cannot be registered")
                .isTrue();

        Files.createDirectories(file.getParent());
        Files.writeString(file, "log:\n  level: warn\n");

        awaitAtLeast(reloads::get, 1);
    }

    @Test
    void aCheckIsCountedOnlyOnceTheReloadItStartedHasReturned() throws Exception {
        Path file = config("a: 1\n");
        CountDownLatch reloading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ConfigFileWatcher watcher = ConfigFileWatcher.start(file, POLL, () -> {
            reloading.countDown();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reloads.incrementAndGet();
        });
        started.add(watcher);
        try {
            Files.writeString(file, "a: 2\n");
            assertThat(reloading.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the change reached the callback")
                    .isTrue();

            assertThat(watcher.checks())
                    .as("so that a test waiting for a check then sees what the check did")
                    .isZero();
        } finally {
            release.countDown();
        }
        awaitAtLeast(watcher::checks, 1);
        assertThat(reloads.get()).isEqualTo(1);
    }

    @Test
    void aBusyDirectoryThatCannotBeRegisteredAgainIsPolledAndLaterChangesStillReload() throws Exception {
        Path configDir = Files.createDirectory(dir.resolve("conf"));
        Path file = Files.writeString(configDir.resolve("config.yaml"), "log:\n  level: info\n");
        ConfigFileWatcher watcher = watch(file);
        assertThat(watcher.polling()).isFalse();
        // inotify follows the moved directory, so its events keep coming; its path no longer exists to register.
        Path moved = Files.move(configDir, dir.resolve("conf-moved"));

        AtomicInteger written = new AtomicInteger();
        try (LogCapture log = LogCapture.of(ConfigFileWatcher.class.getName())) {
            Poll.until(WAIT, "the watcher to poll once the directory could not be registered again", () -> {
                for (int i = 0; i < 2 * ConfigFileWatcher.BUSY_EVENTS; i++) {
                    try {
                        Files.writeString(moved.resolve("frame-" + written.incrementAndGet()), "frame\n");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return watcher.polling();
            });
            assertThat(log.events())
                    .filteredOn(event -> event.getLevel() == Level.WARN)
                    .singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage())
                            .contains("can no longer be watched (registering it again for names only failed: ")
                            .contains("polling config.yaml every " + ConfigType.formatDuration(POLL) + " instead"));
        }
        assertThat(watcher.busy()).isFalse();

        Files.move(moved, configDir);
        Files.writeString(file, "log:\n  level: debug\n");

        awaitAtLeast(reloads::get, 1);
    }

    @Test
    void afterCloseNoChangeIsSeen() throws Exception {
        Path file = config("a: 1\n");
        ConfigFileWatcher watcher = watch(file);
        watcher.close();

        Files.writeString(file, "a: 2\n");

        Poll.during(ConfigFileWatcher.DEBOUNCE.multipliedBy(3), "no check after close", () -> watcher.checks() == 0);
        assertThat(reloads.get()).isZero();
    }

    private static void awaitAtLeast(LongSupplier value, long expected) {
        Poll.until(WAIT, "a count of at least " + expected, () -> value.getAsLong() >= expected);
    }
}
