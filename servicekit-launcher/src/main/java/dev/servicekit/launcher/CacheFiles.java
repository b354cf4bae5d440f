package dev.servicekit.launcher;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reading a stream whole and writing a file in the cache directory, for the launcher's Java 8 code. */
final class CacheFiles {

    /**
     * The free space, {@value} bytes (256 MiB), a cache directory must have for the launcher to let a JVM write a
     * class-data archive (7-18 MB), an AOT recording (about 50 MB for {@code run}) or an AOT cache (about 45 MB)
     * there. A JVM that cannot write its archive or its recording at exit exits with 1 instead of its own status and
     * prints "Error occurred during initialization of VM" (on stdout for an archive, into the command's output),
     * JDK 25 behaviour that no option turns off (decisions.md, "A cache directory without room").
     */
    static final long MIN_ROOM_BYTES = 256L * 1024 * 1024;

    private CacheFiles() {}

    /**
     * Whether a JVM may be asked to write a startup file in {@code directory}: this user may write it (a read-only
     * mount answers no, for root too) and its file system has {@link #MIN_ROOM_BYTES} free for this user.
     */
    static boolean roomToWrite(File directory) {
        return directory.canWrite() && directory.getUsableSpace() >= MIN_ROOM_BYTES;
    }

    /** Every byte of {@code in} ({@code InputStream.readAllBytes} is Java 9+). */
    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Every byte of {@code file}, through {@code java.io}: {@code Files.readAllBytes} and the NIO readers load the
     * JDK's file channels, classes the JDK's class-data archive does not hold.
     */
    static byte[] readFile(File file) throws IOException {
        try (InputStream in = new FileInputStream(file)) {
            return readAll(in);
        }
    }

    /**
     * Writes {@code content} to {@code file}, creating its directory, through a temporary name beside it and an
     * atomic rename, so that a concurrent start never loads half a file; the temporary file is gone afterwards.
     */
    static void writeAtomically(Path file, InputStream content) throws IOException {
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + "." + System.nanoTime() + ".part");
        try {
            Files.copy(content, partial);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
