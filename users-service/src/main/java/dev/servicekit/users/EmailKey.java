package dev.servicekit.users;

import java.util.Locale;

/**
 * The one definition of "same email" shared by every store: lower case with {@link Locale#ROOT}.
 *
 * <p>Why not SQL {@code lower(email)}: SQLite's {@code lower()} folds ASCII only (without the ICU
 * extension), PostgreSQL's depends on the collation, and the in-memory store uses Java. Computing the
 * key here and storing it in a uniquely indexed column gives all stores the same answer.
 */
final class EmailKey {

    private EmailKey() {}

    static String of(String email) {
        return email.toLowerCase(Locale.ROOT);
    }
}
