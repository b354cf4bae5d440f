package dev.servicekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the server helpers (nginx, rsyslogd, openssl s_server) share: starting their process with its output in a file
 * of their directory, and reading such files back for checks and messages.
 */
final class ServerFiles {

    private ServerFiles() {}

    /**
     * A text file's content, {@code ""} when it does not exist yet, or a line saying why it cannot be read: the
     * helpers put it into failure messages, which must not fail themselves.
     */
    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Starts {@code command} with stdout and stderr appended to {@code output}.
     *
     * @param what the program, for the message: {@code "nginx"}
     * @throws UncheckedIOException "{@code what} did not start ({@code command}): why"
     */
    static Process start(String what, List<String> command, Path output) {
        try {
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    what + " did not start (" + String.join(" ", command) + "): " + e.getMessage(), e);
        }
    }
}
