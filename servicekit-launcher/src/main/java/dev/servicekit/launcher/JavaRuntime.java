package dev.servicekit.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java installation on disk: its home, the version its {@code release} file states, and whether it has
 * {@code javac}. The version is read, never found by running the JVM: a search looks at every JVM on the
 * machine and must stay fast. (.mvn/select-jdk.sh reads the same file the same way.)
 */
final class JavaRuntime implements Comparable<JavaRuntime> {

    /** "25.0.3" → 25, 0, 3; "1.8.0_402" → 8, 0, 402 after dropping "1."; "22-ea" → 22. */
    private static final Pattern VERSION = Pattern.compile("^(\\d+)(?:\\D+(\\d+))?(?:\\D+(\\d+))?");

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
        try (BufferedReader reader = Files.newBufferedReader(releaseFile, StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("JAVA_VERSION=")) {
                    return parseVersion(
                            line.substring("JAVA_VERSION=".length()).trim().replace("\"", ""));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Feature, interim and update number of a Java version string, the old {@code 1.x} scheme included:
     * {@code "25.0.3"} → [25, 0, 3], {@code "1.8.0_402"} → [8, 0, 402], {@code "21"} → [21, 0, 0],
     * {@code "1.8"} (a {@code java.specification.version}) → [8, 0, 0]. Empty when it does not start with a number.
     */
    static Optional<int[]> parseVersion(String text) {
        String value = text.startsWith("1.") ? text.substring(2) : text;
        Matcher m = VERSION.matcher(value);
        if (!m.find()) {
            return Optional.empty();
        }
        int[] numbers = new int[3];
        for (int i = 0; i < 3; i++) {
            String group = m.group(i + 1);
            try {
                numbers[i] = group == null ? 0 : Integer.parseInt(group);
            } catch (NumberFormatException e) { // more digits than an int holds: not a version
                return Optional.empty();
            }
        }
        return Optional.of(numbers);
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
