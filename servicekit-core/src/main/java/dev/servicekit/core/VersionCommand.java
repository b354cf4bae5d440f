package dev.servicekit.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.spi.ExitCode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code version [--json | --jvm-options] [--instance NAME]}: with an instance, the name reads {@code users-service@a}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Prints the version.")
final class VersionCommand implements Callable<Integer> {

    private final CliContext cli;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @CommandLine.Mixin
    InstanceOption instance = new InstanceOption();

    @Option(names = "--jvm-options", description = "Print the JVM options install gives the service, one per line.")
    boolean jvmOptions;

    VersionCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        ServiceApplication app = cli.app();
        if (jvmOptions) {
            app.defaultJvmOptions().forEach(cli.out()::println);
            return ExitCode.OK.code();
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", app.name());
        info.put("version", app.version());
        instance.value().ifPresent(name -> info.put("instance", name));
        info.put("java", Runtime.version().toString());
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        info.put("jvmOptions", app.defaultJvmOptions());
        if (json) {
            cli.out().println(new ObjectMapper().writeValueAsString(info));
        } else {
            cli.out().println(line(app, instance.value()));
        }
        return ExitCode.OK.code();
    }

    /**
     * The text form: {@code users-service@a 1.2.0 (Java 25.0.1+8-LTS, Linux amd64)}, naming the Java that runs this
     * code. {@link ServiceCli#execute} prints it for a plain {@code version} without building the command line.
     */
    static String line(ServiceApplication app, java.util.Optional<String> instance) {
        return app.name() + instance.map(i -> "@" + i).orElse("") + " " + app.version() + " (Java " + Runtime.version()
                + ", " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")";
    }
}
