package dev.servicekit.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.servicekit.spi.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code config validate} and {@code config show [--json]}: the configuration as {@code run} would start with it. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Checks or shows the configuration.")
final class ConfigCommand extends ServiceCli.UsageCommand {

    static CommandLine commandLine(CliContext cli) {
        CommandLine line = new CommandLine(new ConfigCommand());
        line.addSubcommand(new Validate(cli));
        line.addSubcommand(new Show(cli));
        return line;
    }

    @Command(
            name = "validate",
            mixinStandardHelpOptions = true,
            description = "Checks the configuration and lists every problem (exit 78 when there is one).")
    static final class Validate implements Callable<Integer> {
        private final CliContext cli;

        @CommandLine.Mixin
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

        Validate(CliContext cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            Config config = cli.loadConfig(options);
            cli.out().println("Configuration is valid (hash " + config.hash() + ").");
            return ExitCode.OK.code();
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description =
                    "Prints the effective configuration (defaults, file, etcd, environment, --set) with secrets masked.")
    static final class Show implements Callable<Integer> {
        private final CliContext cli;

        @CommandLine.Mixin
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

        @Option(names = "--json", description = "Print JSON instead of YAML.")
        boolean json;

        Show(CliContext cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() throws Exception {
            Config config = cli.loadConfig(options);
            ObjectMapper mapper = json
                    ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    : new YAMLMapper(YAMLFactory.builder()
                            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                            .build());
            cli.out().print(mapper.writeValueAsString(config.toMap()));
            if (json) {
                cli.out().println();
            }
            return ExitCode.OK.code();
        }
    }
}
