package dev.servicekit.windows;

import dev.servicekit.spi.LaunchCommand;
import java.util.List;
import java.util.Optional;

/**
 * The service's {@code ImagePath}: the quoted {@code java.exe}, the JVM options, {@code -jar}, the quoted jar,
 * the verb {@code service} and the launch arguments (e.g. {@code --config <file>}); {@link #launchArguments} reads
 * the arguments back.
 */
final class ImagePath {

    /** The verb the SCM runs the jar with; the CLI's {@code service} verb calls {@code runManaged}. */
    static final String SERVICE_VERB = "service";

    private ImagePath() {}

    /**
     * The image path, with {@code --set data-dir=<dataDirectory>} added unless the arguments set
     * {@code data-dir} themselves: a service starts in {@code System32}, so the run-mode default ({@code .})
     * would put the database there.
     */
    static String of(LaunchCommand launch, String dataDirectory) {
        launch = new LaunchCommand(
                launch.java(),
                archiveInDataDirectory(launch.jvmOptions(), dataDirectory),
                launch.jar(),
                launch.arguments());
        boolean setsDataDir =
                launch.arguments().stream().anyMatch(a -> a.startsWith("data-dir=") || a.startsWith("--set=data-dir="));
        if (setsDataDir) {
            return of(launch);
        }
        java.util.List<String> arguments = new java.util.ArrayList<>(launch.arguments());
        arguments.add("--set");
        arguments.add("data-dir=" + dataDirectory);
        return of(new LaunchCommand(launch.java(), launch.jvmOptions(), launch.jar(), arguments));
    }

    /**
     * A relative {@code -XX:SharedArchiveFile=} (the default JVM options name one) resolved against the data
     * directory: the SCM starts services in {@code System32}, where the archive must not go.
     */
    static java.util.List<String> archiveInDataDirectory(java.util.List<String> jvmOptions, String dataDirectory) {
        String flag = "-XX:SharedArchiveFile=";
        return jvmOptions.stream()
                .map(option -> {
                    if (!option.startsWith(flag)) {
                        return option;
                    }
                    String file = option.substring(flag.length());
                    boolean absolute = file.startsWith("\\")
                            || file.startsWith("/")
                            || file.startsWith("%")
                            || file.matches("^[A-Za-z]:.*");
                    return absolute ? option : flag + dataDirectory + "\\" + file;
                })
                .toList();
    }

    static String of(LaunchCommand launch) {
        StringBuilder line =
                new StringBuilder(WindowsCommandLine.quoteAlways(launch.java().toString()));
        if (!launch.jvmOptions().isEmpty()) {
            line.append(' ').append(WindowsCommandLine.join(launch.jvmOptions()));
        }
        line.append(" -jar ").append(WindowsCommandLine.quoteAlways(launch.jar().toString()));
        line.append(' ').append(SERVICE_VERB);
        if (!launch.arguments().isEmpty()) {
            line.append(' ').append(WindowsCommandLine.join(launch.arguments()));
        }
        return line.toString();
    }

    /**
     * The launch arguments of an image path written by {@link #of}: the words after {@code -jar <jar> service}, split
     * as {@code java.exe} splits them ({@link WindowsCommandLine#split}), unquoted; with the {@code --set data-dir=}
     * that {@link #of(LaunchCommand, String)} added. Empty when the image path is not {@code <java> [options] -jar
     * <jar> service [arguments]} (a service this toolkit did not install, or one edited by hand into another shape).
     */
    static Optional<List<String>> launchArguments(String imagePath) {
        List<String> words = WindowsCommandLine.split(imagePath);
        // java.exe takes the word after the first -jar as the jar and everything after that as the program's
        int option = words.isEmpty() ? -1 : words.subList(1, words.size()).indexOf("-jar") + 1;
        if (option <= 0 || option + 2 >= words.size() || !words.get(option + 2).equals(SERVICE_VERB)) {
            return Optional.empty();
        }
        return Optional.of(List.copyOf(words.subList(option + 3, words.size())));
    }
}
