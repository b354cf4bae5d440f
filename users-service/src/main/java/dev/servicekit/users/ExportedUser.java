package dev.servicekit.users;

import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A user as {@code data export} writes it and {@code data import} reads it: everything the store keeps,
 * password hash included, so an imported user is the same user (same id, version, timestamps, password).
 *
 * @param user the user
 * @param passwordHash the stored password hash, empty if the user has no password
 */
public record ExportedUser(User user, Optional<String> passwordHash) {

    /** Checks for nulls. */
    public ExportedUser {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordHash, "passwordHash");
    }

    /** The user's id. */
    public long id() {
        return user.id();
    }

    /** This user with its timestamps truncated to milliseconds, the precision every store keeps. */
    ExportedUser truncatedToMillis() {
        return new ExportedUser(
                new User(
                        user.id(),
                        user.name(),
                        user.email(),
                        user.roles(),
                        user.createdAt().truncatedTo(ChronoUnit.MILLIS),
                        user.updatedAt().truncatedTo(ChronoUnit.MILLIS),
                        user.version()),
                passwordHash);
    }

    /** Never shows the hash. */
    @Override
    public String toString() {
        return "ExportedUser[user=" + user + ", passwordHash=" + (passwordHash.isPresent() ? "******" : "none") + "]";
    }
}
