package dev.servicekit.users;

import java.nio.file.Path;

/**
 * A line of an export file that cannot be imported: {@code data import} stops there and exits with
 * {@link dev.servicekit.spi.ExitCode#DATA_ERROR}. The message names the file, the line and what is wrong.
 */
final class ExportFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long line;

    ExportFileException(Path file, long line, String problem) {
        super("'" + file + "' line " + line + ": " + problem);
        this.line = line;
    }

    /** The line number, 1 for the header. */
    long line() {
        return line;
    }
}
