package dev.servicekit.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Java installation on disk: its home, the version its {@code release} file states, and whether it has
 * {@code javac}. The version is read, never found by running the JVM: a search looks at every JVM on the
 * machine and must stay fast. (.mvn/select-jdk.sh reads the same file the same way.)
 */
final class JavaRuntime implements Comparable<JavaRuntime> {

    private final Path home;
    private final int[] version;
    private final boolean compiler;

    private JavaRuntime(Path home, int[] version, boolean compiler) {
        this.home = home;
        this.version = version;
        this.compiler = compiler;
    }

    /**
     * The installation at {@code home}, when it has a {@code release} file naming a {@code JAVA_VERSION} and an
     * executable {@code bin/java} ({@code bin\java.exe} on Windows).
     */
    static Optional<JavaRuntime> at(Path home, boolean windows) {
        Objects.requireNonNull(home, "home");
        if (!isExecutable(home.resolve("bin").resolve(windows ? "java.exe" : "java"))) {
            return Optional.empty();
        }
        Optional<int[]> version = releaseVersion(home.resolve("release"));
        if (!version.isPresent()) {
            return Optional.empty();
        }
        boolean compiler = isExecutable(home.resolve("bin").resolve(windows ? "javac.exe" : "javac"));
        return Optional.of(new JavaRuntime(home, version.get(), compiler));
    }

    /** The {@code JAVA_VERSION} of a {@code release} file; empty when the file or the line is missing or unreadable. */
    static Optional<int[]> releaseVersion(Path releaseFile) {
        if (!Files.isRegularFile(releaseFile)) {
            return Optional.empty();
        }
        String version = releaseValues(releaseFile).get("JAVA_VERSION");
        return version == null ? Optional.<int[]>empty() : parseVersion(version.replace("\"", ""));
    }

    /**
     * What {@code Runtime.version()} says in this installation's JVM, from its {@code release} file's
     * {@code JAVA_RUNTIME_VERSION} (the build writes both from the same version string), when a JVM whose
     * {@code os.name} and {@code os.arch} are {@code osName} and {@code osArch} can speak for it: the file's
     * {@code OS_NAME} is {@code osName} and its {@code OS_ARCH} the same architecture ({@code x86_64} is
     * {@code amd64}). Empty otherwise (no such line, another system, a 32-bit JVM asking about a 64-bit one).
     */
    Optional<String> runtimeVersionSeenFrom(String osName, String osArch) {
        Map<String, String> release = releaseValues(home.resolve("release"));
        String runtimeVersion = release.get("JAVA_RUNTIME_VERSION");
        String arch = release.get("OS_ARCH");
        boolean sameArch = arch != null
                && (arch.equals(osArch)
                        || (arch.equals("x86_64") && "amd64".equals(osArch))
                        || (arch.equals("amd64") && "x86_64".equals(osArch)));
        if (runtimeVersion == null
                || runtimeVersion.isEmpty()
                || !sameArch
                || !String.valueOf(release.get("OS_NAME")).equals(osName)) {
            return Optional.empty();
        }
        return Optional.of(runtimeVersion);
    }

    /**
     * The {@code KEY="value"} lines of a {@code release} file, quotes removed; empty when it cannot be read. Read
     * with {@code java.io} and split by hand: the NIO readers load some sixty classes that the JDK's class-data
     * archive does not hold, milliseconds of the launcher's {@code version} (Launcher#answerVersion).
     */
    static Map<String, String> releaseValues(Path releaseFile) {
        Map<String, String> values = new HashMap<>();
        String text;
        try {
            text = new String(CacheFiles.readFile(releaseFile.toFile()), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return values;
        }
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(start, end);
            start = end + 1;
            int equals = line.indexOf('=');
            if (equals > 0) {
                String value = line.substring(equals + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                values.put(line.substring(0, equals).trim(), value);
            }
        }
        return values;
    }

    /**
     * Feature, interim and update number of a Java version string, the old {@code 1.x} scheme included:
     * {@code "25.0.3"} → [25, 0, 3], {@code "1.8.0_402"} → [8, 0, 402], {@code "21"} → [21, 0, 0],
     * {@code "1.8"} (a {@code java.specification.version}) → [8, 0, 0]. Empty when it does not start with a number.
     */
    static Optional<int[]> parseVersion(String text) {
        // By hand, not with a regular expression: java.util.regex's first use spins method handles, milliseconds
        // that `version` answered by the launcher (Launcher#answerVersion) does not have.
        String value = text.startsWith("1.") ? text.substring(2) : text;
        int[] numbers = new int[3];
        int i = 0;
        for (int n = 0; n < 3; n++) {
            int separator = i;
            while (n > 0 && i < value.length() && !isDigit(value.charAt(i))) {
                i++;
            }
            int digits = i;
            while (i < value.length() && isDigit(value.charAt(i))) {
                i++;
            }
            if (digits == i || (n > 0 && separator == digits)) {
                if (n == 0) {
                    return Optional.empty();
                }
                break;
            }
            try {
                numbers[n] = Integer.parseInt(value.substring(digits, i));
            } catch (NumberFormatException e) { // more digits than an int holds: not a version
                return Optional.empty();
            }
        }
        return Optional.of(numbers);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isExecutable(Path file) {
        return Files.isRegularFile(file) && Files.isExecutable(file);
    }

    /** The directory that holds {@code bin/java}. */
    Path home() {
        return home;
    }

    /** The feature release: 8, 17, 21, 25. */
    int feature() {
        return version[0];
    }

    /** Whether it is a JDK, not only a runtime. */
    boolean hasCompiler() {
        return compiler;
    }

    /** {@code bin/java} of this installation. */
    Path javaExecutable(boolean windows) {
        return home.resolve("bin").resolve(windows ? "java.exe" : "java");
    }

    /** For messages: {@code Java 17 (/usr/lib/jvm/java-17-openjdk-amd64)}. */
    String describe() {
        return "Java " + feature() + " (" + home + ")";
    }

    /** Older first, by feature, interim and update number. */
    @Override
    public int compareTo(JavaRuntime other) {
        for (int i = 0; i < version.length; i++) {
            int c = Integer.compare(version[i], other.version[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JavaRuntime
                && ((JavaRuntime) o).home.equals(home)
                && Arrays.equals(((JavaRuntime) o).version, version)
                && ((JavaRuntime) o).compiler == compiler;
    }

    @Override
    public int hashCode() {
        return Objects.hash(home, Arrays.hashCode(version), compiler);
    }

    @Override
    public String toString() {
        return describe();
    }
}
