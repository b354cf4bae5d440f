package dev.servicekit.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A password kept in a file named by a {@link ConfigType#secretFile()} key ({@code store.password-file},
 * {@code config.etcd.password-file}): the file's first line, without its line break ({@code \n} or {@code \r\n}), so
 * that {@code echo secret > file} and an editor's trailing newline both work. Read when it is needed, never cached by
 * this class, so a rotated password is picked up by the next login. Messages name the file, never its content.
 */
public final class PasswordFile {

    private PasswordFile() {}

    /**
     * What keeps {@code file} from giving a password, for a configuration check; empty when it gives one, and when it
     * does not exist (the secret-file check says so).
     *
     * @param whose as for {@link #read}
     */
    public static Optional<String> problem(Path file, String whose) {
        try {
            read(file, whose);
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(
                    "\"" + file + "\" cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); check that the service account may read it");
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The password in {@code file}.
     *
     * @param whose whose password it is, for the message when the first line is empty, e.g. "the PostgreSQL role's"
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException when its first line is empty
     */
    public static String read(Path file, String whose) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int end = content.indexOf('\n');
        String line = end < 0 ? content : content.substring(0, end);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            throw new IllegalArgumentException("\"" + file + "\" holds no password (its first line is empty); write "
                    + whose + " password on its first line");
        }
        return line;
    }
}
