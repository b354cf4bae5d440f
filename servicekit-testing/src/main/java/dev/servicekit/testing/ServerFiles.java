package dev.servicekit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the server helpers (nginx, rsyslogd) read back from their own directories, for checks and messages. */
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
}
