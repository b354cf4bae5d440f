package dev.servicekit.users;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A stored user, as the store returns it. Never carries the password hash.
 *
 * <p>{@code version} is 1 after create and grows by one on every {@link UserStore#replace replace};
 * together with {@code id} it identifies one state of the user (the HTTP layer derives the {@code ETag}
 * from both). Ids are never reused, not even after a delete. Timestamps have millisecond precision.
 *
 * @param id the store-assigned id, positive
 * @param name the display name
 * @param email the email address as last written (uniqueness ignores case)
 * @param roles the roles, in the order they were written; immutable
 * @param createdAt when the user was created
 * @param updatedAt when the user was last created or replaced
 * @param version the version of this state, at least 1
 */
public record User(
        long id, String name, String email, List<String> roles, Instant createdAt, Instant updatedAt, long version) {

    /** Validates and makes {@code roles} immutable. */
    public User {
        if (id <= 0) {
            throw new IllegalArgumentException("User id must be positive, got '" + id + "'");
        }
        if (version <= 0) {
            throw new IllegalArgumentException("User version must be at least 1, got '" + version + "'");
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(email, "email");
        roles = List.copyOf(Objects.requireNonNull(roles, "roles"));
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
