package dev.servicekit.launcher;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;

/**
 * The launcher's own {@code execve(2)} on Linux: a JNI library of about 100 lines of C
 * ({@code src/main/c/servicekit_exec.c}) that the module's build compiles with gcc into the jar, one per
 * architecture it is built on ({@value #PREFIX}{@code <os.arch>.so}). It does in one native call what
 * {@link ExecInPlace}'s JNA path does in several, without loading JNA: about 50 ms of the java 17 hop on the
 * README's path (docs/decisions.md, "The launcher's own {@code execve}").
 *
 * <p>The library is unpacked into {@code <cacheDirectory>/exec-<crc>/} once (through a temporary name and a rename,
 * so that a concurrent start never loads half a file) and loaded from there when its bytes are the jar's. A jar built
 * without gcc, another architecture, a libc the library does not link against, or no cache directory: {@link #load}
 * says why, and the launcher uses JNA.
 */
final class NativeExec {

    /** The library's resource name, next to this class, less the architecture and {@code .so}: {@value}. */
    static final String PREFIX = "libservicekit-exec-linux-";

    private static final String FILE_NAME = "libservicekit-exec.so";

    private static boolean loaded;

    private NativeExec() {}

    /**
     * Loads the library for this JVM's architecture, unpacking it first when needed.
     *
     * @param jar the application's jar, or {@code null} (or a directory, as in this module's tests) to read the
     *     library through this class's loader
     * @param cacheDirectory where the library is unpacked; {@code null}: not loaded
     * @return {@code null} when it is loaded, else why not
     */
    static synchronized String load(Path jar, Path cacheDirectory) {
        if (loaded) {
            return null;
        }
        String resource = PREFIX + System.getProperty("os.arch", "unknown") + ".so";
        byte[] library;
        try {
            library = read(jar, resource);
        } catch (IOException e) {
            return "cannot read " + resource + " (" + e + ")";
        }
        if (library == null) {
            return "the jar has no " + resource + " (built without gcc, or on another architecture)";
        }
        if (cacheDirectory == null) {
            return "no cache directory to unpack " + resource + " into";
        }
        CRC32 crc = new CRC32();
        crc.update(library, 0, library.length);
        Path dir = cacheDirectory.resolve("exec-" + Long.toHexString(crc.getValue()));
        Path file = dir.resolve(FILE_NAME);
        try {
            if (!Files.isRegularFile(file) || !Arrays.equals(CacheFiles.readFile(file.toFile()), library)) {
                CacheFiles.writeAtomically(file, new ByteArrayInputStream(library));
            }
            System.load(file.toAbsolutePath().toString());
            loaded = true;
            return null;
        } catch (IOException | RuntimeException | LinkageError e) {
            return "cannot load " + file + " (" + e + ")";
        }
    }

    /**
     * Replaces this process with {@code command} ({@code command.get(0)} is the program's path, and also its
     * {@code argv[0]}), after {@link #load}; each argument is encoded as the JVM encodes a command line
     * ({@code sun.jnu.encoding}). Does not return when it worked.
     *
     * @return why it did not happen
     */
    static String exec(List<String> command) {
        String name = System.getProperty("sun.jnu.encoding");
        Charset charset;
        try {
            charset = name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            charset = Charset.defaultCharset();
        }
        byte[][] argv = new byte[command.size()][];
        for (int i = 0; i < argv.length; i++) {
            String argument = command.get(i);
            if (argument.indexOf('\0') >= 0) {
                return "argument " + i + " contains a NUL character";
            }
            argv[i] = argument.getBytes(charset);
        }
        System.out.flush();
        System.err.flush();
        int errno = execve(argv);
        return "execve " + command.get(0) + " failed with errno " + errno;
    }

    /**
     * The resource's bytes, from {@code jar} when it is a file (the JVM has it open already, so its central directory
     * is not read again, and no {@code jar:} URL handler is loaded), else from this class's loader; {@code null} when
     * there is none.
     */
    private static byte[] read(Path jar, String resource) throws IOException {
        if (jar != null && Files.isRegularFile(jar)) {
            try (JarFile file = new JarFile(jar.toFile(), false)) {
                JarEntry entry =
                        file.getJarEntry(NativeExec.class.getPackage().getName().replace('.', '/') + "/" + resource);
                if (entry == null) {
                    return null;
                }
                try (InputStream in = file.getInputStream(entry)) {
                    return CacheFiles.readAll(in);
                }
            }
        }
        try (InputStream in = NativeExec.class.getResourceAsStream(resource)) {
            return in == null ? null : CacheFiles.readAll(in);
        }
    }

    /**
     * {@code execve(argv[0], argv, environ)} after making descriptors above 2 close-on-exec and emptying this thread's
     * signal mask.
     *
     * @param argv each argument encoded, without a terminating NUL
     * @return the errno of the step that failed; does not return when {@code execve} worked
     */
    private static native int execve(byte[][] argv);
}
