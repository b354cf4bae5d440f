package dev.servicekit.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Invalid configuration, carrying every problem found (never just the first). The command line maps
 * it to exit code {@link ExitCode#CONFIG_ERROR} (78).
 */
public final class ConfigException extends ServiceException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    /** Creates the exception from a non-empty list of problems. */
    public ConfigException(List<ConfigProblem> problems) {
        super(message(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems must not be empty");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, in the order the keys were checked. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String message(List<ConfigProblem> problems) {
        return "Invalid configuration (" + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    }
}
