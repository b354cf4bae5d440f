package dev.servicekit.users;

import java.util.Objects;

/**
 * Thrown when a create or replace would give two users the same email address. Emails are compared
 * case-insensitively ({@link String#toLowerCase(java.util.Locale) toLowerCase(Locale.ROOT)}), so
 * {@code Ada@Example.org} and {@code ada@example.org} collide.
 */
public final class DuplicateEmailException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final String email;

    /**
     * Creates the exception for the email that is already taken.
     *
     * @param email the email of the rejected draft, as the caller spelled it
     */
    public DuplicateEmailException(String email) {
        super("A user with email '" + Objects.requireNonNull(email, "email")
                + "' already exists (emails are compared ignoring case); use another email or change that user");
        this.email = email;
    }

    /**
     * The email that is already taken, as the caller spelled it.
     *
     * @return the email
     */
    public String email() {
        return email;
    }
}
