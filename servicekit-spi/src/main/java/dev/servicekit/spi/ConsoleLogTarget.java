package dev.servicekit.spi;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A log collector that reads the process's standard output and wants its own line format, such as systemd's
 * journal (which takes a {@code <N>} syslog-priority prefix per line and records its own timestamp). Platform
 * modules register one with {@link ServiceLoader}; the host asks each whether it reads this process's stdout and
 * formats console lines for the first that says yes.
 *
 * <p>Levels are syslog severities (RFC 5424): 3 error, 4 warning, 6 informational, 7 debug.
 */
public interface ConsoleLogTarget {

    /**
     * Whether standard output goes to this collector in this process (e.g. {@code JOURNAL_STREAM} names the
     * device and inode of stdout). Answers promptly, without side effects.
     *
     * @param environment the process environment
     * @return true when console lines should be formatted for this collector
     */
    boolean readsStdout(Map<String, String> environment);

    /**
     * What goes in front of a line of this severity, e.g. {@code "<3>"} for the journal.
     *
     * @param severity the syslog severity, 0 to 7
     * @return the prefix, possibly empty
     */
    String linePrefix(int severity);

    /**
     * Whether lines carry their own timestamp; the journal records its own, so it says no.
     *
     * @return true to keep the timestamp in each line
     */
    boolean timestamps();

    /** A short name for logs, e.g. {@code systemd journal}. */
    String name();

    /**
     * The first target on the class path that reads this process's stdout.
     *
     * @param environment the process environment
     * @return the target, or empty when stdout is a plain terminal, file or pipe
     */
    static Optional<ConsoleLogTarget> detect(Map<String, String> environment) {
        for (ConsoleLogTarget target : ServiceLoader.load(ConsoleLogTarget.class)) {
            if (target.readsStdout(environment)) {
                return Optional.of(target);
            }
        }
        return Optional.empty();
    }
}
