package dev.servicekit.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How a service manager starts an installed service, read back from the manager (the unit file, the plist, the
 * daemon's launch file, the SCM's image path): the program arguments after the verb, as {@code install} gave them
 * ({@code --config FILE}, {@code --set KEY=VALUE}…; a systemd template instance's own {@code --config}), the
 * directory the process starts in, which is its data directory unless its configuration sets {@code data-dir}, and
 * the environment the manager gives the process, where it can be read. {@code status}, {@code reload} and
 * {@code doctor} read the configuration from these when no {@code --config} is given, so they find the running
 * service's data directory and management listener from any directory.
 *
 * @param arguments        the program arguments after the verb ({@code run}, {@code service}), unquoted, in order;
 *                         {@code --instance NAME} may be among them
 * @param workingDirectory the directory the process starts in, absolute; empty where the manager does not say
 * @param environment      the environment the process gets, as far as the manager says; empty where it was not read
 */
public record InstalledLaunch(
        List<String> arguments, Optional<Path> workingDirectory, Optional<Environment> environment) {

    /** Copies the list and checks for nulls and a relative working directory. */
    public InstalledLaunch {
        arguments = List.copyOf(arguments);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        Objects.requireNonNull(environment, "environment");
        workingDirectory.ifPresent(dir -> {
            if (!dir.isAbsolute()) {
                throw new IllegalArgumentException("workingDirectory must be absolute: " + dir);
            }
        });
    }

    /** A launch whose environment was not read (a manager that does not say it). */
    public InstalledLaunch(List<String> arguments, Optional<Path> workingDirectory) {
        this(arguments, workingDirectory, Optional.empty());
    }

    /** This launch with {@code value} as its environment. */
    public InstalledLaunch withEnvironment(Environment value) {
        return new InstalledLaunch(arguments, workingDirectory, Optional.of(value));
    }

    /**
     * The environment a manager gives the process, read from where the manager keeps or shows it. Its values may be
     * secrets: print {@link #variables()}' names, never their values.
     *
     * @param variables the variables, by name; those {@link #unread()} says may be missing
     * @param source    where they were read, e.g. {@code /proc/1234/environ} or {@code the unit's Environment=}
     * @param unread    what the process gets that could not be read, one sentence each (a file this user may not
     *                  read, a variable passed from the manager's own environment); empty when the variables are all
     */
    public record Environment(Map<String, String> variables, String source, List<String> unread) {

        /** Copies the map (sorted by name) and the list; checks for nulls. */
        public Environment {
            variables = java.util.Collections.unmodifiableMap(new TreeMap<>(variables));
            Objects.requireNonNull(source, "source");
            unread = List.copyOf(unread);
        }

        /**
         * The variables of a process's environment block as Linux shows it in {@code /proc/<pid>/environ}:
         * {@code NAME=value} entries, each ended by a NUL byte, UTF-8; an entry without {@code =} is left out (the
         * kernel shows what the process was given, which {@code execve} does not check), and of a name given twice
         * the first counts, as the JVM's {@code System.getenv} finds it.
         *
         * @param environ the file's bytes
         * @param source  where they were read, e.g. {@code /proc/1234/environ}
         */
        public static Environment ofEnvironBlock(byte[] environ, String source) {
            Map<String, String> variables = new java.util.LinkedHashMap<>();
            int start = 0;
            for (int i = 0; i <= environ.length; i++) {
                if (i == environ.length || environ[i] == 0) {
                    String entry = new String(environ, start, i - start, java.nio.charset.StandardCharsets.UTF_8);
                    int equals = entry.indexOf('=');
                    if (equals > 0) {
                        variables.putIfAbsent(entry.substring(0, equals), entry.substring(equals + 1));
                    }
                    start = i + 1;
                }
            }
            return of(variables, source);
        }

        /**
         * {@link #ofEnvironBlock} of the file {@code environ}, a process's {@code /proc/<pid>/environ}; empty when it
         * cannot be read (not Linux, another user's process, the process gone).
         *
         * @param environ the file to read (where a test keeps it, too)
         * @param source  where it was read, e.g. {@code /proc/1234/environ}
         */
        public static Optional<Environment> readEnvironBlock(Path environ, String source) {
            try {
                return Optional.of(ofEnvironBlock(java.nio.file.Files.readAllBytes(environ), source));
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
        }

        /** Every variable read, nothing left unread. */
        public static Environment of(Map<String, String> variables, String source) {
            return new Environment(variables, source, List.of());
        }
    }
}
