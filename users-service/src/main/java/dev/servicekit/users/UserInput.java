package dev.servicekit.users;

import dev.servicekit.http.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The JSON body of {@code POST /api/v1/users} and {@code PUT /api/v1/users/{id}} as sent; {@link #validate()}
 * lists every field error at once. Absent fields are {@code null} here.
 *
 * @param name     display name, 1..200 characters
 * @param email    email address, unique ignoring case
 * @param roles    a subset of reader, writer, admin; default {@code ["reader"]}
 * @param password optional, 12..1024 characters; stored only as a slow salted hash
 */
record UserInput(String name, String email, List<String> roles, String password) {

    static final Set<String> ROLES = Set.of("reader", "writer", "admin");
    static final List<String> DEFAULT_ROLES = List.of("reader");
    static final int MIN_PASSWORD = 12;
    static final int MAX_PASSWORD = 1024;
    private static final int MAX_NAME = 200;
    private static final int MAX_EMAIL = 254;
    // Deliberately simple: one @, no spaces, a dot in the domain. Real verification is sending mail.
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s.]+");

    /** The field error for a name or email with a control character (U+0000..U+001F, U+007F..U+009F). */
    static final String CONTROL_CHARACTERS = "must not contain control characters";

    /** Whether {@code value} has a character that no name or email may contain: an ISO control character. */
    static boolean hasControlCharacters(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }

    /** Every problem with this input; empty when valid. */
    List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if (name == null || name.isBlank()) {
            errors.add(new FieldError("name", "is required"));
        } else if (characters(name) > MAX_NAME) {
            errors.add(new FieldError("name", "must be at most " + MAX_NAME + " characters, was " + characters(name)));
        } else if (hasControlCharacters(name)) {
            errors.add(new FieldError("name", CONTROL_CHARACTERS));
        }
        if (email == null || email.isBlank()) {
            errors.add(new FieldError("email", "is required"));
        } else if (hasControlCharacters(email)) {
            // Before the pattern, which lets most of them through: PostgreSQL refuses U+0000 in text (SQLSTATE 22021).
            errors.add(new FieldError("email", CONTROL_CHARACTERS));
        } else if (characters(email) > MAX_EMAIL || !EMAIL.matcher(email).matches()) {
            errors.add(new FieldError(
                    "email", "\"" + abbreviate(email) + "\" is not a valid email address, e.g. ada@example.com"));
        }
        if (roles != null) {
            if (roles.isEmpty()) {
                errors.add(new FieldError("roles", "must name at least one role: reader, writer or admin"));
            }
            for (int i = 0; i < roles.size(); i++) {
                String role = roles.get(i);
                if (role == null || !ROLES.contains(role)) {
                    errors.add(new FieldError(
                            "roles[" + i + "]",
                            "\"" + abbreviate(String.valueOf(role)) + "\" is not a role; use reader, writer or admin"));
                }
            }
        }
        int passwordLength = password == null ? 0 : characters(password);
        if (password != null && (passwordLength < MIN_PASSWORD || passwordLength > MAX_PASSWORD)) {
            errors.add(
                    new FieldError("password", "must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters long"));
        }
        return errors;
    }

    /** The roles to store: as given without duplicates, in a stable order, or the default. */
    List<String> effectiveRoles() {
        return roles == null ? DEFAULT_ROLES : List.copyOf(new LinkedHashSet<>(roles));
    }

    Optional<String> optionalPassword() {
        return Optional.ofNullable(password);
    }

    /**
     * The length the limits count, in characters (code points), as the OpenAPI document's {@code maxLength} does: an
     * emoji is one character, though two {@code char}s.
     */
    private static int characters(String value) {
        return value.codePointCount(0, value.length());
    }

    private static String abbreviate(String value) {
        return Texts.abbreviate(value, 64);
    }

    @Override
    public String toString() {
        return "UserInput[name=" + name + ", email=" + email + ", roles=" + roles + ", password="
                + (password == null ? "none" : "******") + "]";
    }
}
