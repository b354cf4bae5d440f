package dev.servicekit.users;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Opaque pagination cursors: base64url of {@code "v1:<last id>"}. Opaque so clients do not build them,
 * versioned so the format can change without breaking links a client holds.
 */
final class Cursor {

    private static final String PREFIX = "v1:";

    private Cursor() {}

    static String encode(long afterId) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((PREFIX + afterId).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The id after which the next page starts, or empty if the text is not a cursor this service issued.
     * Only the exact text {@link #encode} produces is accepted: no padding, no {@code +} sign or leading
     * zeros, no other base64 spelling of the same bytes, so each id has exactly one cursor.
     */
    static Optional<Long> decode(String cursor) {
        if (cursor.length() > 64) {
            return Optional.empty();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (!text.startsWith(PREFIX)) {
                return Optional.empty();
            }
            long id = Long.parseLong(text.substring(PREFIX.length()));
            return id >= 0 && encode(id).equals(cursor) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
