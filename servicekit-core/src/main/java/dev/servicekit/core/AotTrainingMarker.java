package dev.servicekit.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the launcher that a training run for the JDK's AOT cache got as far as running the service: when the JVM
 * records one ({@code -XX:AOTMode=record}), servicekit-launcher's {@code AotCache} sets {@value #PROPERTY} to a file
 * name, and this creates that file once the service is running. A recording without it (a start that failed on a
 * bad configuration or a port in use) is deleted instead of being built into a cache that holds only the classes
 * of a failed start. When the start reported one-time work ({@link StartContext#oneTimeWork}), the file says what it
 * was (it is not empty), and the launcher records again instead of building that recording, once per cache key.
 * {@code status} ({@link StatusCommand}) creates it too, silently, once it has answered. Before any start of a key
 * has run the service, the launcher records nothing and sets {@value #RAN_PROPERTY} instead, whose file is created
 * the same way, silently: the next start records.
 *
 * <p>No logger is created until one is needed: {@code status}'s JVM, which calls the silent form, never starts the
 * logging framework for it, and its training run does not put those classes into its cache.
 */
final class AotTrainingMarker {

    /** The system property naming the file; the same name as servicekit-launcher's {@code AotCache.MARKER_PROPERTY}. */
    static final String PROPERTY = "servicekit.aot.training-marker";

    /**
     * The system property naming the file to create once running in a start that records nothing, because no start
     * of its cache key has run the service yet (the launcher records at the next start once the file is there); the
     * same name as servicekit-launcher's {@code AotCache.RAN_PROPERTY}.
     */
    static final String RAN_PROPERTY = "servicekit.aot.ran-marker";

    private AotTrainingMarker() {}

    private static Logger log() {
        return LoggerFactory.getLogger(AotTrainingMarker.class);
    }

    /**
     * Creates the file {@value #PROPERTY} names, if it names one; never throws.
     *
     * @param oneTimeWork what {@link StartContext#oneTimeWork} reported, if anything
     */
    static void markRunning(Optional<String> oneTimeWork) {
        markRan();
        Optional<String> named = Optional.ofNullable(System.getProperty(PROPERTY));
        Optional<Path> marker = markRunning(named, oneTimeWork);
        if (marker.isPresent()) {
            log().info(oneTimeWork
                    .map(what -> "Recording a training run for the JDK's AOT cache, after one-time work (" + what
                            + "): the next start records again unless this jar has skipped one already")
                    .orElse("Recording a training run for the JDK's AOT cache: the next start builds the cache"
                            + " (in the background) and the one after uses it"));
        } else if (named.filter(name -> !name.isBlank()).isPresent()) {
            log().debug("AOT training marker {} not created", named.get());
        }
    }

    /**
     * Creates the file {@value #RAN_PROPERTY} names, if it names one, empty; silent, never throws ({@code status} calls
     * it too).
     */
    static void markRan() {
        markRunning(Optional.ofNullable(System.getProperty(RAN_PROPERTY)), Optional.empty());
    }

    /**
     * Creates {@code marker}'s file if it is given and not blank, writing {@code oneTimeWork} into it when present
     * (an empty file otherwise); returns it when it was created or was there. Logs nothing (a failure too is
     * silent): {@code status} calls it.
     */
    static Optional<Path> markRunning(Optional<String> marker, Optional<String> oneTimeWork) {
        if (marker.isEmpty() || marker.get().isBlank()) {
            return Optional.empty();
        }
        Path file = Paths.get(marker.get().trim());
        try {
            if (oneTimeWork.isPresent()) {
                Files.writeString(file, "one-time work: " + oneTimeWork.get() + "\n", StandardCharsets.UTF_8);
            } else if (!Files.exists(file)) {
                Files.createFile(file);
            }
            return Optional.of(file);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the one-argument form says so at debug level; status stays silent
        }
    }
}
