package dev.servicekit.systemd;

import dev.servicekit.spi.LaunchCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The words that start the service, as both systemd's {@code ExecStart=} and launchd's {@code ProgramArguments} run it. */
final class ProgramArguments {

    private ProgramArguments() {}

    /** {@code <java> <jvm options> -jar <jar> run <arguments>}, one element per word, unquoted. */
    static List<String> of(LaunchCommand launch) {
        return of(launch, Optional.empty());
    }

    /** {@code <java> <jvm options> -jar <jar> run [--instance <instance>] <arguments>}, one element per word. */
    static List<String> of(LaunchCommand launch, Optional<String> instance) {
        List<String> words = new ArrayList<>();
        words.add(launch.java().toString());
        words.addAll(launch.jvmOptions());
        words.add("-jar");
        words.add(launch.jar().toString());
        words.add("run");
        instance.ifPresent(name -> {
            words.add("--instance");
            words.add(name);
        });
        words.addAll(launch.arguments());
        return words;
    }
}
