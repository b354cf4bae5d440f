package dev.servicekit.users;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The file {@code data export} writes and {@code data import} reads: JSON Lines (UTF-8, one JSON object per line,
 * each line ending in {@code \n}), in three parts.
 *
 * <pre>
 * {"format":"users-service/export","version":1,"exportedAt":"2026-12-04T10:00:00.000Z","source":"sqlite /var/lib/users-service/users.db"}
 * {"id":1,"name":"Ada","email":"ada@example.org","roles":["admin"],"passwordHash":"pbkdf2-sha256$…","createdAt":"2026-01-02T03:04:05.678Z","updatedAt":"2026-01-02T03:04:05.678Z","version":1}
 * {"id":7,"name":"Bob","email":"bob@example.org","roles":["reader"],"passwordHash":null,"createdAt":"…","updatedAt":"…","version":3}
 * {"end":true,"users":2}
 * </pre>
 *
 * <p>The header names the format and its version, so an import refuses a file that is not an export (or one from a
 * newer format) before reading on. Then one line per user in id order, with everything the store keeps: the
 * password hash (or {@code null}), the timestamps (ISO-8601 UTC with milliseconds) and the version. The last line
 * says how many users came before it, so a file cut short anywhere, even exactly between two lines, is refused as
 * truncated. Reading is strict: an unknown field, a missing one, a wrong type, ids not increasing, anything after the
 * end line is an error naming the line.
 */
final class ExportFile {

    /** The {@code format} of the header line. */
    static final String FORMAT = "users-service/export";
    /** The format version this code writes and reads. */
    static final int VERSION = 1;
    /** The longest line read: a user is well under 2 KiB; a longer line is a damaged file, not a user. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private static final DateTimeFormatter MILLIS =
            new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
    private static final Set<String> HEADER_FIELDS = Set.of("format", "version", "exportedAt", "source");
    private static final List<String> USER_FIELDS =
            List.of("id", "name", "email", "roles", "passwordHash", "createdAt", "updatedAt", "version");
    private static final Set<String> END_FIELDS = Set.of("end", "users");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private ExportFile() {}

    /** Writes an export to a stream, line by line; the caller closes the stream. */
    static final class Writer {
        private final OutputStream out;
        private long users;

        /**
         * Starts an export: writes the header line.
         *
         * @param out where the lines go (buffered here; {@link #finish()} flushes it)
         * @param exportedAt when the export started
         * @param source what was exported, without secrets ({@link UserStore#describe()})
         */
        Writer(OutputStream out, Instant exportedAt, String source) {
            this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 64 * 1024);
            ObjectNode header = MAPPER.createObjectNode();
            header.put("format", FORMAT);
            header.put("version", VERSION);
            header.put("exportedAt", MILLIS.format(exportedAt));
            header.put("source", source);
            line(header);
        }

        /** Writes one user line. */
        void user(ExportedUser exported) {
            User user = exported.user();
            ObjectNode line = MAPPER.createObjectNode();
            line.put("id", user.id());
            line.put("name", user.name());
            line.put("email", user.email());
            ArrayNode roles = line.putArray("roles");
            user.roles().forEach(roles::add);
            line.put("passwordHash", exported.passwordHash().orElse(null));
            line.put("createdAt", MILLIS.format(user.createdAt()));
            line.put("updatedAt", MILLIS.format(user.updatedAt()));
            line.put("version", user.version());
            line(line);
            users++;
        }

        /** Writes the end line and flushes; returns how many users were written. */
        long finish() {
            ObjectNode end = MAPPER.createObjectNode();
            end.put("end", true);
            end.put("users", users);
            line(end);
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return users;
        }

        private void line(JsonNode node) {
            try {
                out.write(MAPPER.writeValueAsBytes(node));
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Reads an export file line by line: the header when opened, then the users one at a time, then the end line.
     * Never holds more than one line. Any problem with the content throws {@link ExportFileException} naming the
     * line; an I/O failure throws {@link UncheckedIOException}.
     */
    static final class Reader implements Closeable, Iterator<ExportedUser> {
        private final Path file;
        private final InputStream in;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final ByteArrayOutputStream lineBytes = new ByteArrayOutputStream();
        private final String source;
        private final String exportedAt;
        private long lineNumber;
        private long users;
        private long lastId;
        private Optional<ExportedUser> next = Optional.empty();
        private boolean ended;

        private Reader(Path file, InputStream in) {
            this.file = file;
            this.in = in;
            JsonNode header = header(readJsonLine()
                    .orElseThrow(() -> problemAt(
                            1,
                            "the file is empty; it is not an export of users-service (data export writes a header"
                                    + " line first)")));
            this.source = optionalText(header, "source");
            this.exportedAt = optionalText(header, "exportedAt");
        }

        /**
         * Opens {@code file} and reads its header line.
         *
         * @throws ExportFileException if the first line is not the header of a supported export
         * @throws UncheckedIOException if the file cannot be read
         */
        static Reader open(Path file) {
            InputStream in;
            try {
                in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read '" + file + "': " + e.getMessage(), e);
            }
            try {
                return new Reader(file, in);
            } catch (RuntimeException e) {
                try {
                    in.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }

        /** What was exported, as the header says (empty string if it does not). */
        String source() {
            return source;
        }

        /** When it was exported, as the header says (empty string if it does not). */
        String exportedAt() {
            return exportedAt;
        }

        /** The number of the line read last (1 is the header). */
        long lineNumber() {
            return lineNumber;
        }

        /** The users read so far. */
        long users() {
            return users;
        }

        @Override
        public boolean hasNext() {
            if (next.isEmpty() && !ended) {
                next = readUser();
            }
            return next.isPresent();
        }

        /**
         * The next user; after the last one {@link #hasNext()} is false and the end line has been checked.
         *
         * @throws ExportFileException for a bad line, a missing end line or anything after it
         */
        @Override
        public ExportedUser next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException("No more users in '" + file + "'");
            }
            ExportedUser user = next.orElseThrow();
            next = Optional.empty();
            return user;
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Optional<ExportedUser> readUser() {
            Optional<JsonNode> line = readJsonLine();
            if (line.isEmpty()) {
                throw problemAt(
                        lineNumber + 1,
                        "the file ends after " + users + " user(s) without the end line {\"end\":true,...};"
                                + " it is truncated (an interrupted export or copy): export again");
            }
            JsonNode node = line.get();
            if (node.has("end")) {
                end(node);
                return Optional.empty();
            }
            ExportedUser user = user(node);
            if (user.id() <= lastId) {
                throw problem("user id " + user.id() + " follows id " + lastId + "; an export lists ids in increasing"
                        + " order, each once");
            }
            lastId = user.id();
            users++;
            return Optional.of(user);
        }

        private void end(JsonNode node) {
            unknownFields(node, END_FIELDS);
            if (!node.path("end").isBoolean() || !node.path("end").booleanValue()) {
                throw problem("\"end\" must be true in the end line");
            }
            JsonNode count = node.path("users");
            if (!count.isIntegralNumber() || !count.canConvertToLong()) {
                throw problem("the end line needs \"users\", the number of users in the file");
            }
            if (count.longValue() != users) {
                throw problem("the end line says " + count.longValue() + " user(s) but the file has " + users
                        + "; the file was changed or damaged: export again");
            }
            ended = true;
            String more = readLine();
            if (more != null) {
                throw problem("nothing may follow the end line, but this line does: '" + abbreviate(more) + "'");
            }
        }

        private JsonNode header(JsonNode node) {
            String notAnExport = "it is not the header of a users-service export (expected {\"format\":\"" + FORMAT
                    + "\",\"version\":" + VERSION + ",...}); is this a file that 'data export' wrote?";
            if (!node.path("format").isTextual()) {
                throw problem(notAnExport);
            }
            String format = node.path("format").textValue();
            if (!format.equals(FORMAT)) {
                throw problem("the format is '" + abbreviate(format) + "'; " + notAnExport);
            }
            JsonNode version = node.path("version");
            if (!version.isIntegralNumber()) {
                throw problem("the header needs \"version\", a whole number; " + notAnExport);
            }
            if (version.longValue() != VERSION) {
                throw problem("the export has format version " + version.asText() + " and this users-service reads "
                        + "version " + VERSION
                        + (version.longValue() > VERSION
                                ? "; import it with the users-service version that wrote it, or a newer one"
                                : ""));
            }
            unknownFields(node, HEADER_FIELDS);
            return node;
        }

        private ExportedUser user(JsonNode node) {
            unknownFields(node, Set.copyOf(USER_FIELDS));
            for (String field : USER_FIELDS) {
                if (!node.has(field)) {
                    throw problem(
                            "field \"" + field + "\" is missing; a user line has " + String.join(", ", USER_FIELDS));
                }
            }
            long id = wholeNumber(node, "id");
            String name = text(node, "name");
            String email = text(node, "email");
            if (email.isBlank()) {
                throw problem("\"email\" is empty; every user has an email");
            }
            JsonNode rolesNode = node.get("roles");
            if (!rolesNode.isArray()) {
                throw problem("\"roles\" must be an array of strings such as [\"reader\"]");
            }
            List<String> roles = new ArrayList<>();
            for (JsonNode role : rolesNode) {
                if (!role.isTextual()
                        || role.textValue().isEmpty()
                        || role.textValue().codePoints().anyMatch(Character::isWhitespace)) {
                    throw problem("role " + role + " is not a role: a role is a non-empty string without spaces");
                }
                roles.add(role.textValue());
            }
            JsonNode hash = node.get("passwordHash");
            if (!hash.isNull() && !(hash.isTextual() && !hash.textValue().isEmpty())) {
                throw problem("\"passwordHash\" must be the stored hash (a non-empty string) or null");
            }
            Instant createdAt = instant(node, "createdAt");
            Instant updatedAt = instant(node, "updatedAt");
            long version = wholeNumber(node, "version");
            try {
                return new ExportedUser(
                        new User(id, name, email, roles, createdAt, updatedAt, version),
                        hash.isNull() ? Optional.empty() : Optional.of(hash.textValue()));
            } catch (IllegalArgumentException e) {
                throw problem(e.getMessage());
            }
        }

        private long wholeNumber(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw problem("\"" + field + "\" must be a whole number, was " + abbreviate(value.toString()));
            }
            return value.longValue();
        }

        private String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (!value.isTextual()) {
                throw problem("\"" + field + "\" must be a string, was " + abbreviate(value.toString()));
            }
            // JSON's escapes can write half a character, which the store cannot keep (it would keep "?").
            if (!StandardCharsets.UTF_8.newEncoder().canEncode(value.textValue())) {
                throw problem("\"" + field + "\" is not Unicode text: it holds an unpaired surrogate (a \\uD800-\\uDFFF"
                        + " escape without its other half); the file was changed or damaged: export again");
            }
            return value.textValue();
        }

        private Instant instant(JsonNode node, String field) {
            String text = text(node, field);
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw problem("\"" + field + "\" is '" + abbreviate(text)
                        + "', not an ISO-8601 UTC time such as 2026-01-02T03:04:05.678Z");
            }
        }

        private void unknownFields(JsonNode node, Set<String> known) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (!known.contains(field.getKey())) {
                    throw problem("unknown field \"" + abbreviate(field.getKey()) + "\"; format version " + VERSION
                            + " has " + known.stream().sorted().toList());
                }
            }
        }

        private static String optionalText(JsonNode node, String field) {
            return node.path(field).isTextual() ? node.path(field).textValue() : "";
        }

        /** The next line as a JSON object, or empty at the end of the file. */
        private Optional<JsonNode> readJsonLine() {
            String line = readLine();
            if (line == null) {
                return Optional.empty();
            }
            if (line.isEmpty()) {
                throw problem("the line is empty; every line of an export is one JSON object");
            }
            JsonNode node;
            try {
                node = MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw problem("it is not complete JSON (" + e.getOriginalMessage() + ")"
                        + "; the file may be truncated or damaged: export again");
            }
            if (!node.isObject()) {
                throw problem("it is not a JSON object");
            }
            return Optional.of(node);
        }

        /**
         * One line without its {@code \n} (or {@code \r\n}), decoded as strict UTF-8 on its own so that a bad byte is
         * reported on its line; at most {@link #MAX_LINE_BYTES} bytes. Null at the end of the file.
         */
        private String readLine() {
            lineBytes.reset();
            int b;
            try {
                while ((b = in.read()) != -1 && b != '\n') {
                    if (lineBytes.size() == MAX_LINE_BYTES) {
                        lineNumber++;
                        throw problem("the line is longer than " + MAX_LINE_BYTES + " bytes; it is not a user of an"
                                + " export (is this the right file?)");
                    }
                    lineBytes.write(b);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot read '" + file + "' after line " + lineNumber + ": " + e.getMessage(), e);
            }
            if (b == -1 && lineBytes.size() == 0) {
                return null;
            }
            lineNumber++;
            String line;
            try {
                line = utf8.decode(ByteBuffer.wrap(lineBytes.toByteArray())).toString();
            } catch (CharacterCodingException e) {
                throw problem("it is not valid UTF-8 (" + e + "); the file is damaged or not an export");
            }
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }

        private ExportFileException problem(String message) {
            return problemAt(lineNumber, message);
        }

        private ExportFileException problemAt(long line, String message) {
            return new ExportFileException(file, line, message);
        }

        private static String abbreviate(String value) {
            return Texts.abbreviate(value, 80);
        }
    }
}
