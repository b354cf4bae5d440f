package dev.servicekit.core;

import dev.servicekit.spi.ServiceRef;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --instance NAME}: which of several instances of the service on one host a verb acts on, or runs as. A name
 * that breaks {@link ServiceRef#INSTANCE_RULE} is a usage error (exit 2) that quotes it and says the rule.
 */
final class InstanceOption {

    @Option(
            names = "--instance",
            paramLabel = "NAME",
            converter = NameConverter.class,
            description = "One of several instances of the service on one host: " + ServiceRef.INSTANCE_RULE + ".")
    String name;

    /** The instance given, if any. */
    Optional<String> value() {
        return Optional.ofNullable(name);
    }

    /** Checks the name while the command line is parsed, so a bad one is a usage error with the rule. */
    static final class NameConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            ServiceRef.instanceProblem(value).ifPresent(problem -> {
                throw new CommandLine.TypeConversionException(problem);
            });
            return value;
        }
    }
}
