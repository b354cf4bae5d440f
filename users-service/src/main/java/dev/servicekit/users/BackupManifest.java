package dev.servicekit.users;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What {@code FILE.manifest.json} says about a backup payload {@code FILE}: the manifest format, the payload's format
 * ({@value #SQLITE} for a SQLite database; a PostgreSQL store will add its own), when and from which store it was
 * taken (no secrets), the schema version, the number of users, the payload's SHA-256 and size, and the release that
 * took it.
 *
 * {@snippet :
 * {"format":"users-service-backup/1","payload":"sqlite","takenAt":"2026-12-04T05:00:00.123Z",
 *  "source":"sqlite /var/lib/users-service/users.db","schemaVersion":"2","users":1042,
 *  "sha256":"9f86d0...","size":245760,"release":"1.4.0"}
 * }
 *
 * @param payload the payload's format, e.g. {@value #SQLITE}
 * @param takenAt when the snapshot was taken
 * @param source the store it was taken from, e.g. {@code sqlite /var/lib/users-service/users.db}; never a password
 * @param schemaVersion the payload's schema version (Flyway's), e.g. {@code "2"}
 * @param users how many users the payload holds
 * @param sha256 the payload's SHA-256, 64 lower-case hex digits
 * @param size the payload's size in bytes
 * @param release the users-service version that took it
 */
record BackupManifest(
        String payload,
        Instant takenAt,
        String source,
        String schemaVersion,
        long users,
        String sha256,
        long size,
        String release) {

    /** The manifest format this release writes and reads. */
    static final String FORMAT = "users-service-backup/1";
    /** The payload format of a SQLite store's backup: a SQLite database file. */
    static final String SQLITE = "sqlite";
    /** The suffix of the manifest next to a payload {@code FILE}: {@code FILE.manifest.json}. */
    static final String SUFFIX = ".manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Checks every field is present and well-formed. */
    BackupManifest {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(schemaVersion, "schemaVersion");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(release, "release");
        if (users < 0 || size < 0) {
            throw new IllegalArgumentException("users (" + users + ") and size (" + size + ") must not be negative");
        }
        if (!isSha256(sha256)) {
            throw new IllegalArgumentException("sha256 '" + sha256 + "' is not 64 lower-case hex digits");
        }
    }

    /** The manifest as written: one JSON object, indented, ending with a newline. */
    String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("format", FORMAT);
        node.put("payload", payload);
        node.put("takenAt", takenAt.toString());
        node.put("source", source);
        node.put("schemaVersion", schemaVersion);
        node.put("users", users);
        node.put("sha256", sha256);
        node.put("size", size);
        node.put("release", release);
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A manifest always serializes", e);
        }
    }

    /**
     * Reads a manifest.
     *
     * @param json the manifest file's text
     * @param file the manifest file, for messages
     * @throws BackupException naming every missing or malformed field, or saying the text is not JSON or not this
     *     format
     */
    static BackupManifest parse(String json, String file) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BackupException("manifest '" + file + "' is not JSON (" + e.getOriginalMessage()
                    + "); it is damaged: use another backup");
        }
        if (node == null || !node.isObject()) {
            throw new BackupException(
                    "manifest '" + file + "' is not a JSON object; it is damaged: use another backup");
        }
        String format = node.path("format").asText("");
        if (!format.equals(FORMAT)) {
            throw new BackupException("manifest '" + file + "' has format '" + format + "', and this release reads '"
                    + FORMAT + "'; restore it with the release that took it");
        }
        List<String> problems = new ArrayList<>();
        String payload = text(node, "payload", problems);
        String takenAt = text(node, "takenAt", problems);
        String source = text(node, "source", problems);
        String schemaVersion = text(node, "schemaVersion", problems);
        long users = number(node, "users", problems);
        String sha256 = text(node, "sha256", problems);
        long size = number(node, "size", problems);
        String release = text(node, "release", problems);
        Instant taken = null;
        if (takenAt != null) {
            try {
                taken = Instant.parse(takenAt);
            } catch (DateTimeParseException e) {
                problems.add("takenAt '" + takenAt + "' is not an ISO-8601 UTC time");
            }
        }
        if (sha256 != null && !isSha256(sha256)) {
            problems.add("sha256 '" + sha256 + "' is not 64 lower-case hex digits");
        }
        if (!problems.isEmpty()) {
            throw new BackupException(
                    "manifest '" + file + "' is damaged: " + String.join("; ", problems) + "; use another backup");
        }
        return new BackupManifest(payload, taken, source, schemaVersion, users, sha256, size, release);
    }

    private static String text(JsonNode node, String field, List<String> problems) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            problems.add(field + " is missing or not a string");
            return null;
        }
        return value.asText();
    }

    private static long number(JsonNode node, String field, List<String> problems) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToExactIntegral() || value.asLong() < 0) {
            problems.add(field + " is missing or not a whole number >= 0");
            return 0;
        }
        return value.asLong();
    }

    private static boolean isSha256(String value) {
        if (value.length() != 64 || !value.equals(value.toLowerCase(java.util.Locale.ROOT))) {
            return false;
        }
        try {
            HexFormat.of().parseHex(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
