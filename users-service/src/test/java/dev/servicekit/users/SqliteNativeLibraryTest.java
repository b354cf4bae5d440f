package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * sqlite-jdbc's native library is copied once into the user's cache directory, owner-only, and a file there that is
 * not exactly this sqlite-jdbc's library is never named. The child-JVM side (the service really loads it from there
 * and extracts nothing into the temp directory) is in {@code UsersServiceProcessIT}.
 */
class SqliteNativeLibraryTest {

    @TempDir
    Path cache;

    @BeforeEach
    void onlyWhereTheLibraryIsCached() {
        assumeTrue(
                SqliteNativeLibrary.nativeFolder().isPresent(),
                "this platform's library folder is left to sqlite-jdbc, so nothing is cached here");
    }

    @Test
    void theLibraryIsCopiedOnceOwnerOnlyUnderItsVersionAndReused() throws IOException {
        Path copy = SqliteNativeLibrary.cachedCopy(cache).orElseThrow();

        assertThat(copy)
                .startsWith(cache.resolve("sqlite-jdbc").resolve(SQLiteJDBCLoader.getVersion()))
                .hasBinaryContent(libraryInTheJar());
        if (posix()) {
            assertThat(permissions(copy)).isEqualTo("r-x------");
            for (Path dir = copy.getParent(); !dir.equals(cache); dir = dir.getParent()) {
                assertThat(permissions(dir)).as(dir.toString()).isEqualTo("rwx------");
            }
        }
        Object fileKey = Files.readAttributes(copy, BasicFileAttributes.class).fileKey();

        assertThat(SqliteNativeLibrary.cachedCopy(cache)).contains(copy);
        assertThat(Files.readAttributes(copy, BasicFileAttributes.class).fileKey())
                .as("the second start reuses the file")
                .isEqualTo(fileKey);
    }

    @Test
    void aFileUnderTheNameThatIsNotThisLibraryIsReplacedBeforeItIsNamed() throws IOException {
        Path copy = SqliteNativeLibrary.cachedCopy(cache).orElseThrow();
        Files.delete(copy);
        Files.write(copy, "not sqlite-jdbc's library".getBytes()); // a torn write, another build, a tampered file

        assertThat(SqliteNativeLibrary.cachedCopy(cache)).contains(copy);
        assertThat(copy).hasBinaryContent(libraryInTheJar());
    }

    @Test
    void aCopyOfTheRightSizeWithOneByteChangedIsReplaced() throws IOException {
        Path copy = SqliteNativeLibrary.cachedCopy(cache).orElseThrow();
        byte[] damaged = libraryInTheJar();
        damaged[damaged.length / 2] ^= 1;
        Files.delete(copy);
        Files.write(copy, damaged);

        assertThat(SqliteNativeLibrary.cachedCopy(cache)).contains(copy);
        assertThat(copy).hasBinaryContent(libraryInTheJar());
    }

    @Test
    void aLibraryOfAnotherSqliteJdbcVersionIsNeverUsed() throws IOException {
        Path ours = SqliteNativeLibrary.cachedCopy(cache).orElseThrow();
        Path other = cache.resolve("sqlite-jdbc")
                .resolve("3.0.0.0")
                .resolve(ours.getParent().getFileName())
                .resolve(ours.getFileName());
        Files.createDirectories(other.getParent());
        Files.write(other, "sqlite-jdbc 3.0.0.0".getBytes());
        Files.delete(ours);

        Path copy = SqliteNativeLibrary.cachedCopy(cache).orElseThrow();

        assertThat(copy).isEqualTo(ours).hasBinaryContent(libraryInTheJar());
        assertThat(other).hasContent("sqlite-jdbc 3.0.0.0");
    }

    @Test
    void aCacheDirectoryOthersMayWriteToIsNotUsed() throws IOException {
        assumeTrue(posix(), "POSIX permissions");
        Path shared = Files.createDirectories(cache.resolve("sqlite-jdbc"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(SqliteNativeLibrary.cachedCopy(cache)).isEmpty();
    }

    @Test
    void concurrentFirstStartsEachGetTheWholeLibraryAndLeaveNoTempFiles() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Optional<Path>>> copies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                copies.add(pool.submit(() -> SqliteNativeLibrary.cachedCopy(cache)));
            }
            Path first = copies.getFirst().get().orElseThrow();
            for (Future<Optional<Path>> copy : copies) {
                assertThat(copy.get()).contains(first);
            }
            assertThat(first).hasBinaryContent(libraryInTheJar());
            try (Stream<Path> files = Files.list(first.getParent())) {
                assertThat(files).containsExactly(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFolderIsTheOneSqliteJdbcChoosesItself() {
        // OSInfo's own answer runs `uname -o` on Linux, which is what nativeFolder avoids at every start.
        assertThat(SqliteNativeLibrary.nativeFolder()).contains(OSInfo.getNativeLibFolderPathForCurrentOS());
    }

    @Test
    void theCacheDirectoryIsTheLaunchersOne() {
        assertThat(SqliteNativeLibrary.userCacheDirectory(Map.of("XDG_CACHE_HOME", "/x/cache")))
                .contains(Path.of("/x/cache", "servicekit"));
        assertThat(SqliteNativeLibrary.userCacheDirectory(Map.of()))
                .contains(Path.of(System.getProperty("user.home"), ".cache", "servicekit"));
    }

    private static byte[] libraryInTheJar() throws IOException {
        String resource = "/org/sqlite/native/"
                + SqliteNativeLibrary.nativeFolder().orElseThrow() + "/" + System.mapLibraryName("sqlitejdbc");
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return in.readAllBytes();
        }
    }

    private boolean posix() {
        return cache.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
