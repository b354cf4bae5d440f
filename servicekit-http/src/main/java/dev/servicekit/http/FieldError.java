package dev.servicekit.http;

import java.util.Objects;

/**
 * One invalid field of a request body, listed under {@code errors} in a validation problem.
 *
 * {@snippet :
 * throw ProblemException.validation(List.of(new FieldError("email", "must contain '@'")));
 * }
 *
 * @param field   the field's JSON path, for example {@code email} or {@code address.zip}
 * @param message what is wrong with it and what is expected
 */
public record FieldError(String field, String message) {

    /** Validates that both parts are present. */
    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
        if (field.isBlank()) {
            throw new IllegalArgumentException("FieldError field must not be blank (message: \"" + message + "\")");
        }
    }
}
