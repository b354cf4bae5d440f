package dev.servicekit.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.servicekit.spi.Durations;
import dev.servicekit.spi.LaunchCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code start} launches a detached daemon: the contents of {@code <name>.daemon.json}, which
 * {@code install --platform daemon} writes. Pure: rendering and parsing touch no files.
 *
 * {@snippet lang=json :
 * {
 *   "java" : "/usr/lib/jvm/temurin-21/bin/java",
 *   "jvmOptions" : [ "-Xmx256m" ],
 *   "jar" : "/opt/users-service/users-service.jar",
 *   "arguments" : [ "--config", "/etc/users-service/config.yaml" ],
 *   "stopTimeout" : "35s"
 * }
 * }
 *
 * @param launch      the JVM, its options, the jar and the arguments after {@code run}
 * @param stopTimeout how long {@code stop} waits after SIGTERM before it kills the daemon
 */
record DaemonLaunchSpec(LaunchCommand launch, Duration stopTimeout) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    DaemonLaunchSpec {
        Objects.requireNonNull(launch, "launch");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
    }

    /**
     * The current process's launch: this {@code java}, no JVM options, {@code -jar} the class path, no
     * arguments. Used by {@code start} when the daemon was not installed.
     *
     * @param classPath the {@code java.class.path} of this process
     * @throws IllegalStateException when the class path is not a single jar (run {@code install} first)
     */
    static DaemonLaunchSpec current(String classPath, Duration stopTimeout) {
        Objects.requireNonNull(classPath, "classPath");
        if (classPath.isBlank() || classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar")) {
            throw new IllegalStateException(
                    "cannot tell which jar to launch: the class path is \"" + classPath
                            + "\", not a single jar; run the application with java -jar <jar>, or run install --platform daemon first");
        }
        return new DaemonLaunchSpec(
                new LaunchCommand(
                        InstallCommand.javaExecutable(),
                        List.of(),
                        Path.of(classPath).toAbsolutePath().normalize(),
                        List.of()),
                stopTimeout);
    }

    /** The daemon's command line, behind {@code setsid} when there is one: {@code java <options> -jar <jar> run <arguments>}. */
    List<String> commandLine(Optional<Path> setsid) {
        return commandLine(setsid, Optional.empty());
    }

    /**
     * The command line of an instance: {@code java <options> -jar <jar> run --instance <instance> <arguments>}, behind
     * {@code setsid} when there is one.
     */
    List<String> commandLine(Optional<Path> setsid, Optional<String> instance) {
        List<String> command = new ArrayList<>();
        setsid.ifPresent(path -> command.add(path.toString()));
        command.add(launch.java().toString());
        command.addAll(launch.jvmOptions());
        command.add("-jar");
        command.add(launch.jar().toString());
        command.add("run");
        instance.ifPresent(name -> {
            command.add("--instance");
            command.add(name);
        });
        command.addAll(launch.arguments());
        return command;
    }

    /** The JSON of {@code <name>.daemon.json}, ending with a newline. */
    String toJson() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("java", launch.java().toString());
        view.put("jvmOptions", launch.jvmOptions());
        view.put("jar", launch.jar().toString());
        view.put("arguments", launch.arguments());
        view.put("stopTimeout", Durations.format(stopTimeout));
        try {
            return JSON.writeValueAsString(view) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render daemon launch file", e);
        }
    }

    /**
     * Parses {@link #toJson()}.
     *
     * @throws IllegalArgumentException naming the missing or bad field
     */
    static DaemonLaunchSpec fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("is not a JSON object");
        }
        return new DaemonLaunchSpec(
                new LaunchCommand(
                        Path.of(text(root, "java")),
                        strings(root, "jvmOptions"),
                        Path.of(text(root, "jar")),
                        strings(root, "arguments")),
                Durations.parse(text(root, "stopTimeout")));
    }

    /**
     * Reads {@code file} if it exists.
     *
     * @throws IllegalArgumentException with the file and the fix when it cannot be parsed
     */
    static Optional<DaemonLaunchSpec> read(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(Files.readString(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    file + " " + e.getMessage() + "; run install --platform daemon again to rewrite it", e);
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException("has no \"" + field + "\" text field");
        }
        return node.asText();
    }

    private static List<String> strings(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("has a \"" + field + "\" field that is not a list of strings");
        }
        List<String> values = new ArrayList<>();
        node.forEach(item -> values.add(item.asText()));
        return values;
    }
}
