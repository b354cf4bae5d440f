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
 * This JVM's class-data archive ({@code -XX:SharedArchiveFile} with {@code -XX:+AutoCreateSharedArchive}, what
 * {@code install} gives a service), checked once the service runs.
 *
 * <ul>
 *   <li>Deleted when it is older than the jar it was written for. JDK 25 maps such an archive, finds "shared class
 *       paths mismatch", loads every application class from the jar again, and never writes a new one: an installed
 *       service whose jar was replaced in place would pay the archive's memory without its speed at every start.
 *       Deleted, the next start runs without it and writes a fresh one when it stops.
 *   <li>A warning when the JVM will write it at exit (it is not there) where it cannot: a directory that is missing,
 *       read-only for this process, or with less than {@link #MIN_ROOM_BYTES} free. JDK 25 then ends the stop with
 *       exit status 1 and "Error occurred during initialization of VM", and a service manager shows the service
 *       failed; the JVM cannot be told not to write it once it runs (decisions.md, "A cache directory without room").
 * </ul>
 */
final class ClassDataArchive {

    /**
     * Free space under which the archive's directory is said to have no room: {@value} bytes (64 MiB), about twice a
     * service's archive (users-service's: 27 MB).
     */
    static final long MIN_ROOM_BYTES = 64L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ClassDataArchive.class);
    private static final String OPTION = "-XX:SharedArchiveFile=";
    private static final String AUTO_CREATE = "-XX:+AutoCreateSharedArchive";

    private ClassDataArchive() {}

    /**
     * Checks the running JVM's archive against the jar that holds {@code applicationClass}, then whether the JVM can
     * write it at exit; never throws.
     */
    static void check(Class<?> applicationClass) {
        try {
            List<String> inputArguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
            Optional<Path> jar = jarOf(applicationClass);
            if (jar.isPresent()) {
                discardIfStale(inputArguments, jar.get())
                        .ifPresent(archive -> LOG.info(
                                "Deleted the class-data archive {}: it is older than {} and the JVM would use none of"
                                        + " its classes; the next stop writes a new one",
                                archive,
                                jar.get()));
            }
            whyItCannotBeWritten(inputArguments, MIN_ROOM_BYTES)
                    .ifPresent(why -> LOG.warn(
                            "This JVM writes its class-data archive when it stops, and cannot: {}. JDK 25 then ends"
                                    + " the stop with exit status 1 and \"Error occurred during initialization of"
                                    + " VM\"; free space there, or take -XX:SharedArchiveFile and"
                                    + " -XX:+AutoCreateSharedArchive out of the service's JVM options",
                            why));
        } catch (RuntimeException | IOException e) {
            LOG.debug("class-data archive not checked", e);
        }
    }

    /**
     * Why the JVM of {@code inputArguments} cannot write the archive it will write at exit (one it creates itself,
     * not there yet): its directory is missing, not writable by this process, or has less than {@code minRoomBytes}
     * free; empty when it can, or writes none.
     */
    static Optional<String> whyItCannotBeWritten(List<String> inputArguments, long minRoomBytes) throws IOException {
        Optional<Path> named = autoCreated(inputArguments);
        if (named.isEmpty() || Files.exists(named.get())) {
            return Optional.empty();
        }
        Path archive = named.get().toAbsolutePath();
        Path directory = archive.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            return Optional.of(archive + ": its directory does not exist");
        }
        if (!Files.isWritable(directory)) {
            return Optional.of(archive + ": " + directory + " is not writable by this process");
        }
        long usable = Files.getFileStore(directory).getUsableSpace();
        if (usable < minRoomBytes) {
            return Optional.of(archive + ": " + directory + " has " + usable / (1024 * 1024) + " MB free");
        }
        return Optional.empty();
    }

    /**
     * Deletes the archive that {@code inputArguments} name when {@code jar} was modified after it.
     *
     * @return the archive deleted, or empty when none is named, it does not exist, or it is newer than the jar
     */
    static Optional<Path> discardIfStale(List<String> inputArguments, Path jar) throws IOException {
        Objects.requireNonNull(jar, "jar");
        Optional<Path> named = autoCreated(inputArguments);
        if (named.isPresent()
                && Files.isRegularFile(named.get())
                && Files.isRegularFile(jar)
                && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(named.get())) > 0) {
            Files.delete(named.get());
            return named;
        }
        return Optional.empty();
    }

    /**
     * The archive {@code inputArguments} have the JVM create itself: the value of the last {@value #OPTION} (the one
     * the JVM uses) when {@value #AUTO_CREATE} is there too; empty otherwise (an archive given without it is the
     * operator's, never written by this JVM).
     */
    private static Optional<Path> autoCreated(List<String> inputArguments) {
        Objects.requireNonNull(inputArguments, "inputArguments");
        if (!inputArguments.contains(AUTO_CREATE)) {
            return Optional.empty();
        }
        Optional<Path> named = Optional.empty();
        for (String argument : inputArguments) {
            if (argument.startsWith(OPTION)) {
                named = Optional.of(Paths.get(argument.substring(OPTION.length())));
            }
        }
        return named;
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
