package dev.servicekit.users;

import dev.servicekit.core.PasswordFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The database password from {@code store.password-file}: the file's first line, without the line break. Messages
 * name the file, never its content. Whether only its owner may read it is checked with every other secret file
 * when the configuration loads ({@code ConfigType.secretFile()}).
 */
final class StorePassword {

    private static final String WHOSE = "the PostgreSQL role's";

    private StorePassword() {}

    /** What keeps {@code file} from giving a password, or empty (also when it does not exist: the loader says so). */
    static Optional<String> problem(Path file) {
        return PasswordFile.problem(file, WHOSE);
    }

    /**
     * The password.
     *
     * @throws StoreUnavailableException if the file cannot be read or holds no password
     */
    static String load(Path file) {
        try {
            return read(file);
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Cannot read the database password from store.password-file \"" + file + "\" ("
                            + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); check that it exists and that the service account may read it",
                    e);
        } catch (IllegalArgumentException e) {
            throw new StoreUnavailableException(e.getMessage(), e);
        }
    }

    private static String read(Path file) throws IOException {
        return PasswordFile.read(file, WHOSE);
    }
}
