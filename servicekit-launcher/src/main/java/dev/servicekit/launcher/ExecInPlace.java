package dev.servicekit.launcher;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Replaces this process with another program through libc's {@code execve(2)}: by the launcher's own JNI library
 * ({@link NativeExec}) when the jar carries one for this architecture, else called through JNA by reflection (JNA is
 * in the application's jar; this module has no dependencies and is compiled for Java 8, so no FFM), or with
 * {@code -D}{@value Launcher#EXEC_PROPERTY}{@code =}{@value #JNA_ONLY} through JNA only. The pid stays the same:
 * what a user, a script or a service manager started and signals is the new JVM itself, no launcher JVM stays
 * resident, and {@code kill -9} of that pid ends the service.
 *
 * <p>Before {@code execve}: every file descriptor above 2 is made close-on-exec ({@code close_range(3, ~0U,
 * CLOSE_RANGE_CLOEXEC)}, Linux 5.11+, else each entry of {@code /proc/self/fd} with {@code fcntl}), so the new
 * program inherits only the standard streams; the calling thread's signal mask is emptied (the mask survives
 * {@code execve}). The environment passed is the process's own ({@code environ}). Standard output and error are
 * flushed first.
 *
 * <p>JNA's native part is unpacked from the jar once per JNA build into the cache directory and loaded from there
 * ({@code jna.boot.library.path}); JNA itself would write a temporary copy at every start, which costs a secure
 * random generator and a file write.
 *
 * <p>Linux only, and on Java 22+ only when native access is enabled for this code: elsewhere (macOS refuses
 * {@code execve} in a process with more than one thread in some versions, Windows has none) and whenever a step
 * fails {@link #exec} returns, and the caller starts a child process instead.
 */
final class ExecInPlace {

    private static final int SIG_SETMASK = 2;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    private static final long SYS_CLOSE_RANGE = 436; // the same number on every Linux architecture (5.9+)
    private static final int CLOSE_RANGE_CLOEXEC = 1 << 2;
    private static final int SIGSET_BYTES = 128; // glibc's and musl's sigset_t
    private static final String JNA_BOOT_PATH = "jna.boot.library.path";
    private static final String JNA_PLATFORM_PATH = "jna.platform.library.path";

    /** {@code -D}{@value Launcher#EXEC_PROPERTY}{@code =}{@value}: {@code execve} through JNA only. */
    static final String JNA_ONLY = "jna";

    private ExecInPlace() {}

    /**
     * Whether {@link #exec} may be tried: {@link #allowedBy} this JVM's system properties, and native access enabled.
     * Whether JNA is there is found out by {@link #exec} itself.
     */
    static boolean enabled() {
        return allowedBy(System.getProperties()) && nativeAccessEnabled();
    }

    /**
     * Whether these system properties allow {@link #exec}: Linux, and {@value Launcher#EXEC_PROPERTY} not
     * {@code false}. {@link Launcher#mayRestartWithShippedOptions} asks the same before reading this JVM's options.
     */
    static boolean allowedBy(java.util.Properties properties) {
        return properties.getProperty("os.name", "").startsWith("Linux")
                && !Launcher.turnedOff(properties, Launcher.EXEC_PROPERTY);
    }

    /**
     * Whether this code may call native code without the JVM printing a warning: always before Java 22; from 22 on
     * when native access is enabled for it ({@code java -jar} with the manifest's {@code Enable-Native-Access}, or
     * {@code --enable-native-access}). Read by reflection: {@code Module} is not in Java 8.
     */
    private static boolean nativeAccessEnabled() {
        try {
            Object module = Class.class.getMethod("getModule").invoke(ExecInPlace.class);
            return (Boolean)
                    module.getClass().getMethod("isNativeAccessEnabled").invoke(module);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Replaces this process with {@code command} ({@code command.get(0)} is the program's path, and also its
     * {@code argv[0]}). Does not return when it worked.
     *
     * @return why it did not happen (no JNA, no such function, {@code execve} failed with errno ...); this process
     *         is unchanged except that its descriptors above 2 may be close-on-exec
     */
    static String exec(List<String> command, Path jar, Path cacheDirectory) {
        if (!JNA_ONLY.equalsIgnoreCase(
                        System.getProperty(Launcher.EXEC_PROPERTY, "").trim())
                && NativeExec.load(jar, cacheDirectory) == null) {
            return NativeExec.exec(command); // the launcher's own library: no JNA to load
        }
        boolean bootPathSet = false;
        if (cacheDirectory != null && System.getProperty(JNA_BOOT_PATH) == null) {
            Path dir = unpackedJnaLibrary(jar, cacheDirectory);
            if (dir != null) {
                System.setProperty(JNA_BOOT_PATH, dir.toString());
                bootPathSet = true;
            }
        }
        boolean platformPathSet = false;
        if (System.getProperty(JNA_PLATFORM_PATH) == null) {
            // Else JNA runs /sbin/ldconfig -p to find library directories; libc needs none of them.
            System.setProperty(JNA_PLATFORM_PATH, "/usr/lib:/lib");
            platformPathSet = true;
        }
        String failure = execThroughJna(command);
        if (bootPathSet) {
            System.clearProperty(JNA_BOOT_PATH);
        }
        if (platformPathSet) {
            System.clearProperty(JNA_PLATFORM_PATH);
        }
        return failure;
    }

    private static String execThroughJna(List<String> command) {
        try {
            Class<?> nativeLibraryClass = Class.forName("com.sun.jna.NativeLibrary");
            Class<?> functionClass = Class.forName("com.sun.jna.Function");
            Class<?> pointerClass = Class.forName("com.sun.jna.Pointer");
            Class<?> memoryClass = Class.forName("com.sun.jna.Memory");
            Class<?> nativeClass = Class.forName("com.sun.jna.Native");
            Method getInstance = nativeLibraryClass.getMethod("getInstance", String.class);
            Object libc;
            try {
                libc = getInstance.invoke(null, "libc.so.6"); // glibc; by its versioned name, found without a search
            } catch (InvocationTargetException e) {
                libc = getInstance.invoke(null, "c");
            }
            Method getFunction = nativeLibraryClass.getMethod("getFunction", String.class);
            Method invokeInt = functionClass.getMethod("invokeInt", Object[].class);
            Method lastError = nativeClass.getMethod("getLastError");

            Object environ = nativeLibraryClass
                    .getMethod("getGlobalVariableAddress", String.class)
                    .invoke(libc, "environ");
            Object environment =
                    pointerClass.getMethod("getPointer", long.class).invoke(environ, 0L);
            Object execve = getFunction.invoke(libc, "execve");

            Object syscall = getFunction.invoke(libc, "syscall");
            int closeRange = (Integer)
                    invokeInt.invoke(syscall, (Object) new Object[] {SYS_CLOSE_RANGE, 3, -1, CLOSE_RANGE_CLOEXEC});
            if (closeRange != 0) {
                Object fcntl = getFunction.invoke(libc, "fcntl");
                String[] fds = new File("/proc/self/fd").list();
                if (fds == null) {
                    return "cannot list /proc/self/fd to close descriptors on exec";
                }
                for (String name : fds) {
                    int fd = Integer.parseInt(name);
                    if (fd > 2) {
                        // The directory's own descriptor is closed by now; EBADF for it is expected.
                        invokeInt.invoke(fcntl, (Object) new Object[] {fd, F_SETFD, FD_CLOEXEC});
                    }
                }
            }

            Object emptySet = memoryClass.getConstructor(long.class).newInstance((long) SIGSET_BYTES);
            memoryClass.getMethod("clear").invoke(emptySet);
            Object sigprocmask = getFunction.invoke(libc, "sigprocmask");
            if ((Integer) invokeInt.invoke(sigprocmask, (Object) new Object[] {SIG_SETMASK, emptySet, null}) != 0) {
                return "sigprocmask failed with errno " + lastError.invoke(null);
            }

            String[] argv = command.toArray(new String[0]);
            System.out.flush();
            System.err.flush();
            invokeInt.invoke(execve, (Object) new Object[] {argv[0], argv, environment});
            return "execve " + argv[0] + " failed with errno " + lastError.invoke(null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // No JNA in the jar, no native library for this platform, or a libc without these functions.
            return "cannot call execve through JNA (" + e + ")";
        }
    }

    /**
     * The directory {@code <cacheDirectory>/jna-<crc>} holding {@code libjnidispatch.so} for this platform, copied
     * from {@code jar} if it is not there yet (through a temporary name and a rename, so that a concurrent start
     * never loads half a file); {@code null} when the jar has none for this platform or it cannot be written.
     */
    static Path unpackedJnaLibrary(Path jar, Path cacheDirectory) {
        String arch = System.getProperty("os.arch", "");
        String platform = arch.equals("amd64") || arch.equals("x86_64")
                ? "linux-x86-64"
                : arch.equals("aarch64") ? "linux-aarch64" : null;
        if (platform == null || !Files.isRegularFile(jar)) {
            return null;
        }
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            JarEntry entry = file.getJarEntry("com/sun/jna/" + platform + "/libjnidispatch.so");
            if (entry == null || entry.getSize() < 0) {
                return null;
            }
            Path dir = cacheDirectory.resolve("jna-" + Long.toHexString(entry.getCrc()));
            Path library = dir.resolve("libjnidispatch.so");
            if (Files.isRegularFile(library) && Files.size(library) == entry.getSize()) {
                return dir;
            }
            try (InputStream in = file.getInputStream(entry)) {
                CacheFiles.writeAtomically(library, in);
            }
            return dir;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
