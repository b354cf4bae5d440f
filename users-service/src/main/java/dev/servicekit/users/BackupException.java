package dev.servicekit.users;

import java.io.Serial;

/**
 * A backup that cannot be used: its manifest is missing or damaged, its payload does not match the manifest, is
 * truncated or corrupt, or has a schema this release does not know. The message names the file and the problem;
 * the command line exits with 65.
 */
final class BackupException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    BackupException(String message) {
        super(message);
    }

    BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
