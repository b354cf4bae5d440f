package dev.servicekit.users;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The full content of a user for {@link UserStore#create create} and {@link UserStore#replace replace}:
 * input the HTTP layer has already validated (name and email rules, allowed roles, password length).
 *
 * <p>The store checks only what it relies on: no {@code null}s, and each role is a non-empty token
 * without whitespace (roles are stored space-separated, like OAuth scopes). {@link #toString()} does not
 * show the password hash.
 *
 * @param name the display name
 * @param email the email address; unique among users ignoring case
 * @param roles the roles, in order; copied, immutable
 * @param passwordHash the encoded hash from {@link PasswordHasher#hash(char[])}, or empty for a user
 *     without a password (on replace, empty removes the stored hash)
 */
public record UserDraft(String name, String email, List<String> roles, Optional<String> passwordHash) {

    /** Validates and makes {@code roles} immutable. */
    public UserDraft {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(email, "email");
        roles = List.copyOf(Objects.requireNonNull(roles, "roles"));
        for (String role : roles) {
            if (role.isEmpty() || role.codePoints().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(
                        "Role '" + role + "' is empty or contains whitespace; a role is one token such as 'reader'");
            }
        }
        Objects.requireNonNull(passwordHash, "passwordHash");
    }

    /**
     * A draft for a user without a password.
     *
     * @param name the display name
     * @param email the email address
     * @param roles the roles
     * @return the draft
     */
    public static UserDraft withoutPassword(String name, String email, List<String> roles) {
        return new UserDraft(name, email, roles, Optional.empty());
    }

    /** Shows every field except the password hash, which is only said to be present or not. */
    @Override
    public String toString() {
        return "UserDraft[name=" + name + ", email=" + email + ", roles=" + roles + ", passwordHash="
                + (passwordHash.isPresent() ? "<redacted>" : "<none>") + "]";
    }
}
