package dev.servicekit.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Java homes made of a {@code release} file and empty, executable {@code bin/java} (and {@code bin/javac}). */
final class FakeJavaHomes {

    private FakeJavaHomes() {}

    /** A JDK at {@code home} whose release file says {@code JAVA_VERSION="<javaVersion>"}. */
    static Path jdk(Path home, String javaVersion) {
        return runtime(home, "JAVA_VERSION=\"" + javaVersion + "\"\n", true);
    }

    /** A runtime without {@code javac}. */
    static Path jre(Path home, String javaVersion) {
        return runtime(home, "JAVA_VERSION=\"" + javaVersion + "\"\n", false);
    }

    /** A home with the given release file text ({@code null}: no release file). */
    static Path runtime(Path home, String releaseText, boolean compiler) {
        try {
            Files.createDirectories(home.resolve("bin"));
            executable(home.resolve("bin/java"));
            if (compiler) {
                executable(home.resolve("bin/javac"));
            }
            if (releaseText != null) {
                Files.writeString(
                        home.resolve("release"), "IMPLEMENTOR=\"Test\"\n" + releaseText + "OS_NAME=\"Linux\"\n");
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
