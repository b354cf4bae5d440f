package dev.servicekit.users;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * sqlite-jdbc's native library, extracted once into the user's cache directory and loaded from there.
 *
 * <p>Left to itself, sqlite-jdbc copies its native library out of the jar into the temp directory on every start,
 * and on Linux first runs {@code uname -o} in a child process (to tell Termux on Android from Linux): about 100 ms of
 * every start on a small machine. {@link #useCachedCopy()} instead names, through sqlite-jdbc's own
 * {@value #PATH_PROPERTY} and {@value #NAME_PROPERTY}, a copy at
 * {@code <cache>/sqlite-jdbc/<version>/<os>-<arch>/libsqlitejdbc-<crc32>.so}, where {@code <cache>} is the per-user
 * directory the launcher keeps its class-data archives in ({@code $XDG_CACHE_HOME/servicekit}, else
 * {@code ~/.cache/servicekit}, on Windows {@code %LOCALAPPDATA%\servicekit}).
 *
 * <p>Safety:
 *
 * <ul>
 *   <li>The copy's size and CRC-32 are checked against the library's entry in this sqlite-jdbc's jar at every start
 *       (the jar's directory is already read, so this costs one read of the copy); a copy that differs (another
 *       build, a torn write, a damaged file) is replaced before it is named. The version and the library's CRC-32
 *       are in the path, so two sqlite-jdbc builds never share a file.
 *   <li>Directories are created owner-only ({@code rwx------}) and the copy is owner-only ({@code r-x------}) where
 *       the file system has POSIX permissions; a directory that others may write to, or that another account owns,
 *       is not used.
 *   <li>A copy is written to a temp file beside it and renamed into place, so concurrent first starts each see
 *       either no copy or a whole one.
 *   <li>Only where the library's folder is known without running a process (Linux on glibc or musl, not Android or
 *       32-bit ARM; macOS; Windows): anywhere else, when either property is already set, or when anything fails,
 *       nothing is set and sqlite-jdbc loads its library its own way. If the copy fails to load, sqlite-jdbc falls
 *       back to its own way too (it tries {@value #PATH_PROPERTY} first, then the jar).
 * </ul>
 */
final class SqliteNativeLibrary {

    /** sqlite-jdbc's property for the directory of its native library. */
    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    /** sqlite-jdbc's property for the file name of its native library in that directory. */
    static final String NAME_PROPERTY = "org.sqlite.lib.name";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_LIBRARY = PosixFilePermissions.fromString("r-x------");

    private static boolean done;

    private SqliteNativeLibrary() {}

    /**
     * Points sqlite-jdbc at the cached copy of its native library (creating it if need be), once per JVM; call it
     * before the first SQLite connection. Never throws: anything that goes wrong leaves sqlite-jdbc's default.
     */
    static synchronized void useCachedCopy() {
        if (done) {
            return;
        }
        done = true;
        if (System.getProperty(PATH_PROPERTY) != null || System.getProperty(NAME_PROPERTY) != null) {
            return; // the operator chose a library
        }
        try {
            Optional<Path> library = userCacheDirectory(System.getenv()).flatMap(SqliteNativeLibrary::cachedCopy);
            if (library.isPresent()) {
                System.setProperty(PATH_PROPERTY, library.get().getParent().toString());
                System.setProperty(NAME_PROPERTY, library.get().getFileName().toString());
                LOG.debug("sqlite-jdbc's native library: {}", library.get());
            }
        } catch (RuntimeException e) {
            LOG.debug("sqlite-jdbc's native library is not cached; sqlite-jdbc extracts it itself", e);
        }
    }

    /**
     * The per-user cache directory: {@code $XDG_CACHE_HOME/servicekit}, else {@code %LOCALAPPDATA%\servicekit} on
     * Windows, else {@code ~/.cache/servicekit} (the launcher's choice). Not created here.
     */
    static Optional<Path> userCacheDirectory(Map<String, String> environment) {
        String xdg = environment.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Optional.of(Paths.get(xdg.trim(), "servicekit"));
        }
        String localAppData = environment.get("LOCALAPPDATA");
        if (localAppData != null
                && !localAppData.isBlank()
                && System.getProperty("os.name", "").startsWith("Windows")) {
            return Optional.of(Paths.get(localAppData.trim(), "servicekit"));
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() || home.equals("?")
                ? Optional.empty()
                : Optional.of(Paths.get(home, ".cache", "servicekit"));
    }

    /**
     * The copy of this sqlite-jdbc's native library for this platform under {@code cacheDirectory}, written if missing
     * or different; empty when the platform's library cannot be told without a process, or the copy cannot be
     * written or trusted.
     */
    static Optional<Path> cachedCopy(Path cacheDirectory) {
        Optional<String> folder = nativeFolder();
        if (folder.isEmpty()) {
            return Optional.empty();
        }
        String name = System.mapLibraryName("sqlitejdbc");
        URL resource = SQLiteJDBCLoader.class.getResource("/org/sqlite/native/" + folder.get() + "/" + name);
        if (resource == null) {
            return Optional.empty(); // no library for this platform in the jar: sqlite-jdbc says so itself
        }
        Path ours = cacheDirectory.resolve("sqlite-jdbc");
        Path version = ours.resolve(SQLiteJDBCLoader.getVersion());
        Path directory = version.resolve(folder.get().replace('/', '-'));
        try {
            Library library = Library.of(resource);
            int dot = name.lastIndexOf('.');
            Path file = directory.resolve(
                    name.substring(0, dot) + "-" + Long.toHexString(library.crc()) + name.substring(dot));
            createOwnerOnlyDirectories(directory);
            for (Path level : new Path[] {ours, version, directory}) {
                if (!ownedByMeAndClosedToOthers(level)) {
                    LOG.debug("Not caching sqlite-jdbc's native library: {} is open to other accounts", level);
                    return Optional.empty();
                }
            }
            if (library.isCopiedTo(file)) {
                return Optional.of(file);
            }
            write(directory, file, library.bytes());
            return library.isCopiedTo(file) ? Optional.of(file) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot cache sqlite-jdbc's native library in {}", directory, e);
            return Optional.empty();
        }
    }

    /**
     * The library in the jar, known by its size and CRC-32. From a jar these come from the jar's directory, which the
     * class loader has already read, so a start that finds its copy in place never inflates the library.
     */
    private record Library(URL resource, long size, long crc) {

        static Library of(URL resource) throws IOException {
            if (resource.openConnection() instanceof JarURLConnection jar) {
                JarEntry entry = jar.getJarEntry();
                if (entry.getSize() >= 0 && entry.getCrc() >= 0) {
                    return new Library(resource, entry.getSize(), entry.getCrc());
                }
            }
            byte[] bytes = read(resource);
            return new Library(resource, bytes.length, crc(bytes));
        }

        /** The library's bytes, checked against its size and CRC-32. */
        byte[] bytes() throws IOException {
            byte[] bytes = read(resource);
            if (bytes.length != size || crc(bytes) != crc) {
                throw new IOException("'" + resource + "' does not match its size and CRC-32 in the jar");
            }
            return bytes;
        }

        /** True when {@code file} holds exactly this library (same size and CRC-32). */
        boolean isCopiedTo(Path file) throws IOException {
            try {
                if (Files.size(file) != size) {
                    return false;
                }
                return crc(Files.readAllBytes(file)) == crc;
            } catch (NoSuchFileException e) {
                return false;
            }
        }

        private static byte[] read(URL resource) throws IOException {
            try (InputStream in = resource.openStream()) {
                return in.readAllBytes();
            }
        }

        private static long crc(byte[] bytes) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            return crc.getValue();
        }
    }

    /**
     * sqlite-jdbc's folder for this platform ({@code OSInfo.getNativeLibFolderPathForCurrentOS()}), where it can be
     * told without a child process: sqlite-jdbc runs {@code uname -o} on Linux to recognise Termux, and
     * {@code uname -m} on 32-bit ARM. Android (its runtime, or its system libraries present) is left to sqlite-jdbc.
     */
    static Optional<String> nativeFolder() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (arch.startsWith("arm")) {
            return Optional.empty();
        }
        if (os.contains("Windows") || os.contains("Mac") || os.contains("Darwin")) {
            return Optional.of(OSInfo.getNativeLibFolderPathForCurrentOS()); // no process for these
        }
        if (!os.contains("Linux")
                || OSInfo.isAndroidRuntime()
                || Files.exists(Paths.get("/system/lib/libGLESv1_CM.so"))
                || Files.exists(Paths.get("/system/lib64/libGLESv1_CM.so"))) {
            return Optional.empty();
        }
        return linuxFolder().map(linux -> linux + "/" + OSInfo.getArchName());
    }

    /**
     * {@code Linux-Musl} when a musl C library is mapped into this process, else {@code Linux}: what sqlite-jdbc's
     * {@code OSInfo.isMusl()} decides, from one read of {@code /proc/self/maps} where it resolves every entry of
     * {@code /proc/self/map_files} (10-60 ms measured here). Empty when the file cannot be read.
     */
    private static Optional<String> linuxFolder() {
        try {
            String maps = new String(Files.readAllBytes(Paths.get("/proc/self/maps")), StandardCharsets.ISO_8859_1);
            return Optional.of(maps.toLowerCase(Locale.ROOT).contains("musl") ? "Linux-Musl" : "Linux");
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void write(Path directory, Path file, byte[] library) throws IOException {
        boolean posix = posix(directory);
        FileAttribute<?>[] ownerOnly = posix
                ? new FileAttribute<?>[] {
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
                }
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(directory, file.getFileName().toString(), ".tmp", ownerOnly);
        try {
            Files.write(temp, library);
            if (posix) {
                Files.setPosixFilePermissions(temp, OWNER_ONLY_LIBRARY);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // Windows: another process has the copy loaded and it cannot be replaced; the caller compares it again.
            LOG.debug("Cannot write {}", file, e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void createOwnerOnlyDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Path parent = directory.getParent();
        if (parent != null) {
            createOwnerOnlyDirectories(parent);
        }
        try {
            if (parent != null && posix(parent)) {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            } else {
                Files.createDirectory(directory);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(directory)) {
                throw e;
            }
        }
    }

    /**
     * Whether only this account can change what {@code directory} holds: a directory (not a link) owned by the account
     * {@code user.name} names and writable by neither group nor others. True where the file system has no POSIX
     * permissions (Windows: the profile's ACL applies).
     */
    private static boolean ownedByMeAndClosedToOthers(Path directory) throws IOException {
        if (!posix(directory)) {
            return true;
        }
        PosixFileAttributes attributes =
                Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> permissions = attributes.permissions();
        return attributes.isDirectory()
                && attributes.owner().getName().equals(System.getProperty("user.name"))
                && !permissions.contains(PosixFilePermission.GROUP_WRITE)
                && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
