package dev.servicekit.core;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes this JVM's class-data archive ({@code -XX:SharedArchiveFile} with {@code -XX:+AutoCreateSharedArchive})
 * when it is older than the jar it was written for. JDK 25 maps such an archive, finds "shared class paths
 * mismatch", loads every application class from the jar again, and never writes a new one: an installed service
 * whose jar was replaced in place would pay the archive's memory without its speed at every start. Deleted, the
 * next start runs without it and writes a fresh one when it stops.
 */
final class StaleClassDataArchive {

    private static final Logger LOG = LoggerFactory.getLogger(StaleClassDataArchive.class);
    private static final String OPTION = "-XX:SharedArchiveFile=";

    private StaleClassDataArchive() {}

    /** Checks the running JVM's archive against the jar that holds {@code applicationClass}; never throws. */
    static void discardIfStale(Class<?> applicationClass) {
        try {
            Optional<Path> jar = jarOf(applicationClass);
            if (jar.isPresent()) {
                discardIfStale(ManagementFactory.getRuntimeMXBean().getInputArguments(), jar.get())
                        .ifPresent(archive -> LOG.info(
                                "Deleted the class-data archive {}: it is older than {} and the JVM would use none of"
                                        + " its classes; the next stop writes a new one",
                                archive,
                                jar.get()));
            }
        } catch (RuntimeException | IOException e) {
            LOG.debug("class-data archive not checked", e);
        }
    }

    /**
     * Deletes the archive that {@code inputArguments} name when {@code jar} was modified after it.
     *
     * @return the archive deleted, or empty when none is named, it does not exist, or it is newer than the jar
     */
    static Optional<Path> discardIfStale(List<String> inputArguments, Path jar) throws IOException {
        Objects.requireNonNull(inputArguments, "inputArguments");
        Objects.requireNonNull(jar, "jar");
        boolean autoCreated = inputArguments.contains("-XX:+AutoCreateSharedArchive");
        for (String argument : inputArguments) {
            if (autoCreated && argument.startsWith(OPTION)) {
                Path archive = Paths.get(argument.substring(OPTION.length()));
                if (Files.isRegularFile(archive)
                        && Files.isRegularFile(jar)
                        && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(archive)) > 0) {
                    Files.delete(archive);
                    return Optional.of(archive);
                }
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> jarOf(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            Path path = Paths.get(source.getLocation().toURI());
            return path.getFileName() != null && path.getFileName().toString().endsWith(".jar")
                    ? Optional.of(path)
                    : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
