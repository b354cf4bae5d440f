package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-user startup cache directory stays bounded: what a start deletes and what it keeps. */
class CacheCleanupTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final long DAY = TimeUnit.DAYS.toMillis(1);
    private static final AotCache.Processes NONE_ALIVE = pid -> false;
    /** This start's AOT key and archive, left alone whatever their age. */
    private static final List<String> IN_USE = List.of("run-abc-111.", "token-abc-222.jsa");
    /** An AOT key as {@link AotCache#key} makes it, and the same jar under other JVM options. */
    private static final String KEY = "run-abc-0123456789abcdef" + "0000aaaa";

    private static final String OTHER_OPTIONS = "run-abc-0123456789abcdef" + "0000bbbb";

    @TempDir
    Path dir;

    private Path file(String name, long ageMillis) throws IOException {
        Path file = Files.write(dir.resolve(name), new byte[] {1});
        Files.setLastModifiedTime(file, FileTime.fromMillis(NOW - ageMillis));
        return file;
    }

    private Set<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private List<String> sweep(AotCache.Processes processes) {
        return CacheCleanup.sweep(dir.toFile(), IN_USE, NOW, processes);
    }

    @Test
    void aFileUnusedForThirtyDaysIsDeletedAndOneUsedSinceIsKept() throws IOException {
        file("run-def-333.aot", 31 * DAY);
        file("version-def-444.jsa", 31 * DAY);
        file("run-fed-555.aot", 29 * DAY);
        file("version-fed-666.jsa", 29 * DAY);

        assertThat(sweep(NONE_ALIVE)).containsExactlyInAnyOrder("run-def-333.aot", "version-def-444.jsa");
        assertThat(files()).containsExactlyInAnyOrder("run-fed-555.aot", "version-fed-666.jsa");
    }

    @Test
    void thisStartsFilesAndFilesNotNamedByTheLauncherAreNeverDeleted() throws IOException {
        file("run-abc-111.aot", 400 * DAY);
        file("run-abc-111.77.aotconf", 400 * DAY);
        file("token-abc-222.jsa", 400 * DAY);
        file("notes.txt", 400 * DAY);
        file("other.aot", 400 * DAY);
        file("RUN-ABC-999.aot", 400 * DAY);
        Files.createDirectories(dir.resolve("jna-23f864eb"));
        Files.setLastModifiedTime(dir.resolve("jna-23f864eb"), FileTime.fromMillis(NOW - 400 * DAY));

        assertThat(sweep(NONE_ALIVE)).isEmpty();
        assertThat(files())
                .containsExactlyInAnyOrder(
                        "run-abc-111.aot",
                        "run-abc-111.77.aotconf",
                        "token-abc-222.jsa",
                        "notes.txt",
                        "other.aot",
                        "RUN-ABC-999.aot",
                        "jna-23f864eb");
    }

    @Test
    void ofOtherJarsAotCachesAndFinishedRecordingsTheThreeMostRecentlyUsedAreKept() throws IOException {
        file("run-a1-1.aot", 1 * DAY);
        file("run-a2-2.99.aotconf", 2 * DAY); // finished: its JVM exited after marking it running
        file("run-a2-2.99.aotconf.running", 2 * DAY);
        file("run-a3-3.aot", 3 * DAY);
        file("run-a4-4.aot", 4 * DAY);
        file("run-a5-5.98.aotconf", 5 * DAY);
        file("run-a5-5.98.aotconf.running", 5 * DAY);

        assertThat(sweep(NONE_ALIVE))
                .containsExactlyInAnyOrder("run-a4-4.aot", "run-a5-5.98.aotconf", "run-a5-5.98.aotconf.running");
        assertThat(files())
                .containsExactlyInAnyOrder(
                        "run-a1-1.aot", "run-a2-2.99.aotconf", "run-a2-2.99.aotconf.running", "run-a3-3.aot");
    }

    @Test
    void skipAndRanNotesAreNotCountedAmongTheCachesAndGoWhenUnusedForThirtyDays() throws IOException {
        file("run-a1-1.aot", 1 * DAY);
        file("run-a2-2.aot", 2 * DAY);
        file("run-a3-3.aot", 3 * DAY);
        file("run-a1-1.aotconf.skipped", 4 * DAY);
        file("run-a1-1.ran", 4 * DAY);
        file("status-a4-4.ran", 5 * DAY);
        file("run-a9-9.aotconf.skipped", (CacheCleanup.UNUSED_DAYS + 1) * DAY);
        file("run-a9-9.ran", (CacheCleanup.UNUSED_DAYS + 1) * DAY);

        assertThat(sweep(NONE_ALIVE)).containsExactlyInAnyOrder("run-a9-9.aotconf.skipped", "run-a9-9.ran");
        assertThat(files())
                .containsExactlyInAnyOrder(
                        "run-a1-1.aot",
                        "run-a2-2.aot",
                        "run-a3-3.aot",
                        "run-a1-1.aotconf.skipped",
                        "run-a1-1.ran",
                        "status-a4-4.ran");
    }

    @Test
    void ofOtherClassDataArchivesTheFifteenMostRecentlyUsedAreKept() throws IOException {
        List<String> expectedDeleted = new ArrayList<>();
        for (int i = 0; i < CacheCleanup.MAX_OTHER_ARCHIVES + 3; i++) {
            String name = "version-b" + Integer.toHexString(i) + "-1.jsa";
            file(name, (i + 1) * 1000L);
            if (i >= CacheCleanup.MAX_OTHER_ARCHIVES) {
                expectedDeleted.add(name);
            }
        }

        assertThat(sweep(NONE_ALIVE)).containsExactlyInAnyOrderElementsOf(expectedDeleted);
        assertThat(files()).hasSize(CacheCleanup.MAX_OTHER_ARCHIVES);
    }

    @Test
    void ofTheNotesOfVerbsGivenBeforeTheThirtyMostRecentlyUsedAreKeptApartFromTheArchives() throws IOException {
        List<String> expectedDeleted = new ArrayList<>();
        for (int i = 0; i < CacheCleanup.MAX_SEEN_NOTES + 2; i++) {
            String name = "typo" + i + "-b1.seen";
            file(name, (i + 1) * 1000L);
            if (i >= CacheCleanup.MAX_SEEN_NOTES) {
                expectedDeleted.add(name);
            }
        }
        for (int i = 0; i < CacheCleanup.MAX_OTHER_ARCHIVES; i++) {
            file("version-c" + Integer.toHexString(i) + "-1.jsa", 100_000L + i);
        }

        assertThat(sweep(NONE_ALIVE))
                .as("the oldest notes only: notes never push an archive out, nor archives a note")
                .containsExactlyInAnyOrderElementsOf(expectedDeleted);
        file("token-b1.seen", 31 * DAY);
        assertThat(sweep(NONE_ALIVE)).as("a note unused for thirty days").containsExactly("token-b1.seen");
    }

    @Test
    void aRecordingWhoseJvmDiedBeforeRunningIsDeletedAndOneStillRecordingIsKept() throws IOException {
        file("run-c1-1.1001.aotconf", 60_000); // its JVM was killed, or failed to start
        file("run-c2-2.1002.aotconf", 60_000); // its JVM is still recording
        file("run-c3-3.1003.aotconf.running", 60_000); // a marker whose recording is gone

        assertThat(sweep(pid -> pid == 1002))
                .containsExactlyInAnyOrder("run-c1-1.1001.aotconf", "run-c3-3.1003.aotconf.running");
        assertThat(files()).containsExactly("run-c2-2.1002.aotconf");
    }

    @Test
    void aBuildOrPartialCacheOlderThanTheBuildTimeoutIsDeletedAndAYoungerOneKept() throws IOException {
        long old = AotCache.BUILD_TIMEOUT_MILLIS + 60_000;
        file("run-d1-1.11.aotconf.build", old);
        file("run-d1-1.11.aot.part", old);
        file("run-d2-2.12.aotconf.build", 60_000);
        file("run-d2-2.12.aot.part", 60_000);

        assertThat(sweep(NONE_ALIVE)).containsExactlyInAnyOrder("run-d1-1.11.aotconf.build", "run-d1-1.11.aot.part");
        assertThat(files()).containsExactlyInAnyOrder("run-d2-2.12.aotconf.build", "run-d2-2.12.aot.part");
    }

    @Test
    void aMissingDirectoryIsNoError() {
        assertThat(CacheCleanup.sweep(dir.resolve("missing").toFile(), IN_USE, NOW, NONE_ALIVE))
                .isEmpty();
    }

    @Test
    void usingACacheOrAnArchiveMarksItAsUsedNow() throws IOException {
        Path cache = file(KEY + ".aot", 20 * DAY);
        AotCache.plan(dir.toFile(), KEY, "run-abc-", 4242, NOW, NONE_ALIVE, 25);
        assertThat(Files.getLastModifiedTime(cache).toMillis()).isEqualTo(NOW);

        Path jar = file("app.jar", 0);
        Path archive = Launcher.archiveFile(dir, "token", jar, dir);
        Files.write(archive, new byte[] {1});
        Files.setLastModifiedTime(archive, FileTime.fromMillis(System.currentTimeMillis() - 20 * DAY));
        long before = System.currentTimeMillis();
        assertThat(Launcher.archiveFile(dir, "token", jar, dir)).isEqualTo(archive);
        assertThat(Files.getLastModifiedTime(archive).toMillis()).isGreaterThanOrEqualTo(before - 1000);
    }

    @Test
    void theNamesInUseAreTheFilesOfThisStartsAotKeyUnderEachAotVerbOrTheArchiveGiven() {
        String status = "status" + KEY.substring("run".length());
        assertThat(Launcher.inUse(KEY, List.of("-Xmx1g"))).containsExactlyInAnyOrder(KEY + ".", status + ".");
        assertThat(Launcher.inUse(status, List.of())).containsExactlyInAnyOrder(KEY + ".", status + ".");
        assertThat(Launcher.inUse(null, List.of("-Xmx1g", "-XX:SharedArchiveFile=" + dir.resolve("token-abc-2.jsa"))))
                .containsExactly("token-abc-2.jsa");
    }

    @Test
    void aStartThatRunsWithoutTheCacheWhileAnotherBuildsItLeavesThatBuildAlone() throws IOException {
        // Another start of this jar recorded, and a third is building from it: this one runs plain.
        file(KEY + ".77.aotconf.build", 60_000);
        file(KEY + ".77.aot.part", 60_000);
        AotCache.Plan plain = AotCache.plan(dir.toFile(), KEY, "run-abc-", 4242, NOW, NONE_ALIVE, 25);
        assertThat(plain.options).isEmpty();
        assertThat(plain.cache).isNull();

        assertThat(CacheCleanup.sweep(dir.toFile(), Launcher.inUse(plain.key, List.of()), NOW, NONE_ALIVE))
                .isEmpty();
        assertThat(files()).containsExactlyInAnyOrder(KEY + ".77.aotconf.build", KEY + ".77.aot.part");
    }

    @Test
    void theCachesOfThisJarUnderOtherOptionsAreBoundedWithTheOtherJarsCaches() throws IOException {
        file(OTHER_OPTIONS + ".aot", 1 * DAY);
        file("run-a2-2.aot", 2 * DAY);
        file("run-a3-3.aot", 3 * DAY);
        file("run-a4-4.aot", 4 * DAY);
        file("run-abc-0123456789abcdef" + "0000cccc.aot", 5 * DAY);
        file(KEY + ".aot", 6 * DAY);
        AotCache.Plan use = AotCache.plan(dir.toFile(), KEY, "run-abc-", 4242, NOW, NONE_ALIVE, 25);

        assertThat(CacheCleanup.sweep(dir.toFile(), Launcher.inUse(use.key, List.of()), NOW, NONE_ALIVE))
                .as(
                        "this start's cache is in use; of the others, the %d most recently used stay",
                        CacheCleanup.MAX_OTHER_AOT)
                .containsExactlyInAnyOrder("run-a4-4.aot", "run-abc-0123456789abcdef" + "0000cccc.aot");
        assertThat(files())
                .containsExactlyInAnyOrder(KEY + ".aot", OTHER_OPTIONS + ".aot", "run-a2-2.aot", "run-a3-3.aot");
    }

    @Test
    void statusAndRunOfTheSameJarJdkAndOptionsNeverDeleteEachOthersFiles() throws IOException {
        String status = "status" + KEY.substring("run".length());
        file(KEY + ".aot", (CacheCleanup.UNUSED_DAYS + 5) * DAY); // an installed service started long ago
        file(status + ".aot", (CacheCleanup.UNUSED_DAYS + 5) * DAY);
        file(status + ".88.aotconf", 60_000); // a status that recorded and exited, waiting to be built
        file(status + ".88.aotconf.running", 60_000);
        for (int i = 1; i <= CacheCleanup.MAX_OTHER_AOT + 1; i++) {
            file("run-b" + i + "-" + i + ".aot", i * DAY);
            file("status-b" + i + "-" + i + ".aot", i * DAY);
        }

        List<String> byStatus = sweep(Launcher.inUse(status, List.of()));
        List<String> byRun = sweep(Launcher.inUse(KEY, List.of()));

        assertThat(byStatus)
                .as("a status start: the other jars' oldest of each verb, not run's cache of this jar")
                .containsExactlyInAnyOrder(
                        "run-b" + (CacheCleanup.MAX_OTHER_AOT + 1) + "-" + (CacheCleanup.MAX_OTHER_AOT + 1) + ".aot",
                        "status-b" + (CacheCleanup.MAX_OTHER_AOT + 1) + "-" + (CacheCleanup.MAX_OTHER_AOT + 1)
                                + ".aot");
        assertThat(byRun).as("a run start: nothing of status's").isEmpty();
        assertThat(files())
                .contains(KEY + ".aot", status + ".aot", status + ".88.aotconf", status + ".88.aotconf.running");
    }

    @Test
    void theOtherJarsStatusCachesAreBoundedApartSoThatStatusUsedOftenNeverPushesARunCacheOut() throws IOException {
        for (int i = 1; i <= CacheCleanup.MAX_OTHER_AOT; i++) {
            file("run-a" + i + "-" + i + ".aot", (10 + i) * DAY); // used when those services last started
            file("status-a" + i + "-" + i + ".aot", i * 60_000); // used a minute ago, and before
        }
        file("status-a9-9.aot", 9 * DAY);

        assertThat(sweep(NONE_ALIVE)).as("the oldest status cache only").containsExactly("status-a9-9.aot");
        assertThat(files()).hasSize(2 * CacheCleanup.MAX_OTHER_AOT);
    }

    private List<String> sweep(List<String> inUse) {
        return CacheCleanup.sweep(dir.toFile(), inUse, NOW, NONE_ALIVE);
    }
}
