package dev.servicekit.users;

import java.util.Objects;

/**
 * A user who can log in with a password: the user and the encoded password hash to check it against.
 *
 * @param user         the user
 * @param passwordHash the encoded hash ({@link PasswordHasher}); never shown
 */
public record UserCredentials(User user, String passwordHash) {

    /** Checks for nulls. */
    public UserCredentials {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordHash, "passwordHash");
    }

    /** Never shows the hash. */
    @Override
    public String toString() {
        return "UserCredentials[user=" + user + ", passwordHash=******]";
    }
}
