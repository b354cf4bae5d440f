package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the launcher gives {@code run} to start faster, on the JDK these tests run on (the one the launcher runs the
 * service on): from JDK 24 the first start records nothing for the JDK's AOT cache but notes that it ran the service,
 * and the next records a training run ({@code AotCacheIT} follows the starts after it); before JDK 24 a class-data
 * archive written when the first start stops.
 */
final class StartupCacheExpectations {

    static final boolean AOT = Runtime.version().feature() >= 24;

    private StartupCacheExpectations() {}

    /** The first start's options, with the cache directory {@code <XDG_CACHE_HOME>/servicekit}. */
    static void assertFirstStartOptions(List<String> arguments, Path cacheDirectory) {
        if (AOT) {
            assertThat(arguments)
                    .as("no recording yet: asked to note that it ran, for the next start to record")
                    .anySatisfy(a -> assertThat(a)
                            .startsWith("-Dservicekit.aot.ran-marker=" + cacheDirectory.resolve("run-"))
                            .endsWith(".ran"))
                    .noneMatch(a -> a.startsWith("-XX:AOTMode") || a.startsWith("-XX:AOTCache"))
                    .noneMatch(a -> a.startsWith("-XX:SharedArchiveFile"));
        } else {
            assertThat(arguments)
                    .as("a class-data archive in the user's cache")
                    .contains("-XX:+AutoCreateSharedArchive")
                    .anySatisfy(
                            a -> assertThat(a).startsWith("-XX:SharedArchiveFile=" + cacheDirectory.resolve("run-")));
        }
    }

    /** The first start's stderr: nothing (no recording, so no line of the JVM's about one). */
    static void assertFirstStartStderr(String stderr, Path cacheDirectory) {
        assertThat(stderr).as("nothing on stderr").isEmpty();
    }

    /** What the first start left in the cache directory, for the next start to use. */
    static void assertWrittenAtStop(Path cacheDirectory) throws IOException {
        try (Stream<Path> files = Files.list(cacheDirectory)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("left by the service once it ran (AOT: the note), or written when it stopped (the archive)")
                    .anySatisfy(name -> assertThat(name).startsWith("run-").endsWith(AOT ? ".ran" : ".jsa"));
        }
    }
}
