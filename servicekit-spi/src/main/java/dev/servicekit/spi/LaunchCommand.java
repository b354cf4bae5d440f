package dev.servicekit.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a service manager launches the service process: the JVM executable, its options, the application
 * jar, and the program arguments that follow {@code -jar <jar>} (the manager adds its own verb, e.g.
 * {@code service} for Windows or {@code run} for systemd, in front of them).
 *
 * @param java       absolute path of the {@code java} / {@code java.exe} executable
 * @param jvmOptions JVM options such as {@code -Xmx256m}, in order
 * @param jar        absolute path of the application jar
 * @param arguments  program arguments after the verb, e.g. {@code --config <file>}
 */
public record LaunchCommand(Path java, List<String> jvmOptions, Path jar, List<String> arguments) {

    /** Copies lists and checks for nulls. */
    public LaunchCommand {
        Objects.requireNonNull(java, "java");
        Objects.requireNonNull(jar, "jar");
        jvmOptions = List.copyOf(jvmOptions);
        arguments = List.copyOf(arguments);
    }
}
