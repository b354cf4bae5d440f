package dev.servicekit.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * How many TCP connections one listener may hold open, so that clients alone can never use up the process's file
 * descriptors.
 *
 * <p>Helidon's accept loop ends its listener for good when {@code accept} fails (EMFILE, "Too many open files"): the
 * port stays closed until a restart while the rest of the service runs on. With a bound below the descriptor limit,
 * the listener stops accepting at the bound instead (further clients wait in the kernel's accept queue, and are
 * accepted as connections close), and the descriptors the rest of the service needs (the jar, the database and its
 * journal, the store's connections, log files, sockets to PostgreSQL or etcd) stay free.
 *
 * <p>The bound is {@code (soft RLIMIT_NOFILE - RESERVE) / LISTENERS}, at least {@link #MINIMUM}, read from
 * {@code /proc/self/limits} (the JVM raises its soft limit to the hard one at start on Linux). Where the limit
 * cannot be read (not Linux) or is unlimited, there is no bound.
 */
final class ConnectionBudget {

    /** Descriptors kept for everything but client connections. */
    static final int RESERVE = 64;
    /** The API and the management listener share the limit. */
    static final int LISTENERS = 2;
    /** A bound is never lower than this, even under a tiny limit. */
    static final int MINIMUM = 16;
    /** Helidon's "no bound". */
    static final int UNBOUNDED = -1;

    private ConnectionBudget() {}

    /** The bound for one listener of this process, or {@link #UNBOUNDED}. */
    static int perListener() {
        return perListener(openFilesLimit(Path.of("/proc/self/limits")));
    }

    static int perListener(OptionalLong openFilesLimit) {
        if (openFilesLimit.isEmpty()) {
            return UNBOUNDED;
        }
        long perListener = (openFilesLimit.getAsLong() - RESERVE) / LISTENERS;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MINIMUM, perListener));
    }

    /** The soft "Max open files" of a {@code /proc/<pid>/limits} file; empty when unlimited or unreadable. */
    static OptionalLong openFilesLimit(Path limits) {
        List<String> lines;
        try {
            lines = Files.readAllLines(limits);
        } catch (IOException | SecurityException e) {
            return OptionalLong.empty();
        }
        for (String line : lines) {
            if (line.startsWith("Max open files")) {
                String[] fields =
                        line.substring("Max open files".length()).trim().split("\\s+");
                if (fields.length > 0 && fields[0].chars().allMatch(Character::isDigit) && !fields[0].isEmpty()) {
                    return OptionalLong.of(Long.parseLong(fields[0]));
                }
                return OptionalLong.empty(); // "unlimited"
            }
        }
        return OptionalLong.empty();
    }
}
