package dev.servicekit.systemd;

import dev.servicekit.spi.Durations;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceManagerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Collects what {@link SystemdUnitRenderer} and {@link LaunchdPlistRenderer} find wrong with an
 * {@link InstallRequest}, in the order they check it, and throws once with every problem (exit 2). Each renderer
 * runs the checks both need and adds its own between them with {@link #add}.
 */
final class RequestValidator {

    /** Names we generate units, labels and directories from: letters, digits, {@code _ . -}. */
    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private final InstallRequest request;
    private final List<String> problems = new ArrayList<>();

    RequestValidator(InstallRequest request) {
        this.request = Objects.requireNonNull(request, "request");
    }

    /**
     * The service name, and that the JVM and the jar are absolute paths.
     *
     * @param what       what the name must name, e.g. {@code a systemd unit}
     * @param javaReason why the JVM needs an absolute path
     * @param jarReason  why the jar needs an absolute path
     */
    RequestValidator nameAndLaunch(String what, String javaReason, String jarReason) {
        String name = request.name();
        if (!SERVICE_NAME.matcher(name).matches()) {
            add("service name \"" + name + "\" cannot name " + what
                    + " and its directories; use letters, digits, '_', '.' and '-', "
                    + "starting with a letter or digit, e.g. --name users-service");
        }
        LaunchCommand launch = request.launch();
        if (!launch.java().isAbsolute()) {
            add("java executable \"" + launch.java() + "\" is not an absolute path; " + javaReason);
        }
        if (!launch.jar().isAbsolute()) {
            add("jar \"" + launch.jar() + "\" is not an absolute path; " + jarReason);
        }
        return this;
    }

    /**
     * For a system service with {@code --account}: that it is {@code user} or {@code user:group}, each part matching
     * {@code part}.
     *
     * @param problem the problem for an account that does not, given the stripped account
     */
    RequestValidator systemAccount(Pattern part, Function<String, String> problem) {
        if (request.account().isPresent() && !request.service().user()) {
            String account = request.account().get().strip();
            String[] parts = account.split(":", 2);
            boolean ok = part.matcher(parts[0]).matches()
                    && (parts.length == 1 || part.matcher(parts[1]).matches());
            if (!ok) {
                add(problem.apply(account));
            }
        }
        return this;
    }

    /** That the stop timeout is positive. */
    RequestValidator stopTimeout() {
        if (request.stopTimeout().isZero() || request.stopTimeout().isNegative()) {
            add("--stop-timeout \"" + Durations.format(request.stopTimeout())
                    + "\" must be positive, e.g. --stop-timeout 30s");
        }
        return this;
    }

    /** A problem of the renderer's own. */
    RequestValidator add(String problem) {
        problems.add(problem);
        return this;
    }

    /**
     * @param what what could not be rendered, e.g. {@code the systemd unit}
     * @throws ServiceManagerException (exit 2) listing every problem, when there is one
     */
    void throwIfAny(String what) {
        if (!problems.isEmpty()) {
            throw new ServiceManagerException(
                    "Cannot render " + what + " for \"" + request.name() + "\":\n  - "
                            + String.join("\n  - ", problems),
                    ExitCode.USAGE);
        }
    }
}
