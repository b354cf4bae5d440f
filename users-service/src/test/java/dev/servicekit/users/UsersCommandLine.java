package dev.servicekit.users;

import dev.servicekit.core.ServiceCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * users-service's command line run in the test's JVM, without this process's environment, keeping what the last
 * command printed.
 */
final class UsersCommandLine {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs one command, forgetting what the one before printed, and returns its exit code. */
    int run(String... args) {
        out.reset();
        err.reset();
        return ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(args);
    }

    /** What the last command printed on stdout. */
    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What the last command printed on stderr. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
