package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the launcher gives {@code run} to start faster, on the JDK these tests run on (the one the launcher runs the
 * service on): from JDK 24 the first start records a training run for the JDK's AOT cache ({@code AotCacheIT} follows
 * the next two starts), before it a class-data archive written when the first start stops.
 */
final class StartupCacheExpectations {

    static final boolean AOT = Runtime.version().feature() >= 24;

    private StartupCacheExpectations() {}

    /** The first start's options, with the cache directory {@code <XDG_CACHE_HOME>/servicekit}. */
    static void assertFirstStartOptions(List<String> arguments, Path cacheDirectory) {
        if (AOT) {
            assertThat(arguments)
                    .as("a training run recorded for the JDK's AOT cache")
                    .contains("-XX:AOTMode=record")
                    .anySatisfy(a -> assertThat(a).startsWith("-XX:AOTConfiguration=" + cacheDirectory.resolve("run-")))
                    .noneMatch(a -> a.startsWith("-XX:SharedArchiveFile"));
        } else {
            assertThat(arguments)
                    .as("a class-data archive in the user's cache")
                    .contains("-XX:+AutoCreateSharedArchive")
                    .anySatisfy(
                            a -> assertThat(a).startsWith("-XX:SharedArchiveFile=" + cacheDirectory.resolve("run-")));
        }
    }

    /**
     * The first start's stderr: nothing, but for the line the JDK's recording JVM writes when it stops ({@code
     * AOTConfiguration recorded: <file>}), which the launcher sends to stderr, away from the log on stdout.
     */
    static void assertFirstStartStderr(String stderr, Path cacheDirectory) {
        if (AOT) {
            assertThat(stderr.lines())
                    .as("nothing on stderr but the JVM's line about its recording")
                    .singleElement()
                    .satisfies(line -> assertThat(line.strip())
                            .startsWith("AOTConfiguration recorded: " + cacheDirectory.resolve("run-"))
                            .endsWith(".aotconf"));
        } else {
            assertThat(stderr).as("nothing on stderr").isEmpty();
        }
    }

    /** What the first start left in the cache directory when it stopped, for the next start to use. */
    static void assertWrittenAtStop(Path cacheDirectory) throws IOException {
        try (Stream<Path> files = Files.list(cacheDirectory)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("written when the service stopped, used by the next start")
                    .anySatisfy(name -> assertThat(name).startsWith("run-").endsWith(AOT ? ".aotconf" : ".jsa"));
        }
    }
}
