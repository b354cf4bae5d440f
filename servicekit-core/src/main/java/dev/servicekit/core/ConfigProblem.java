package dev.servicekit.core;

import java.util.Objects;

/**
 * One configuration problem: the key (or the file, for syntax errors), where the value came from, and a
 * message that quotes the offending value and says how to fix it.
 *
 * @param key     the dotted key, or a file name for problems that are not about one key
 * @param source  where the value came from, e.g. {@code config.yaml}, {@code environment USERS_SERVICE_HTTP_PORT}, {@code --set}
 * @param message what is wrong and the fix
 */
public record ConfigProblem(String key, String source, String message) {

    /** Checks for nulls. */
    public ConfigProblem {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
    }

    /** One line for humans: {@code http.port (from --set): "abc" is not valid; expected a port number ...}. */
    @Override
    public String toString() {
        return key + " (from " + source + "): " + message;
    }
}
