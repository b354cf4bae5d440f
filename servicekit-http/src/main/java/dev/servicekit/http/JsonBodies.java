package dev.servicekit.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.helidon.common.media.type.MediaType;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Reads and writes JSON bodies with one strict, shared Jackson mapper, turning every client mistake into
 * a precise 4xx {@link ProblemException}.
 *
 * {@snippet :
 * Route.post("/api/v1/users", (req, res) -> {
 *     NewUser body = JsonBodies.read(req, NewUser.class);    // 415 / 400 problems on bad input
 *     JsonBodies.send(res, Status.CREATED_201, users.create(body));
 * });
 * }
 *
 * <p>Strictness: unknown fields, trailing content after the value, {@code null} for primitives,
 * duplicate keys and scalar coercion (for example {@code "42"} for a number, or {@code 42} or {@code true} for a
 * string) are all rejected.
 * Instants are written as ISO-8601 strings. Both methods block the calling (virtual) thread while the
 * body is transferred; the body size is bounded by the server's {@code maxBodyBytes}.
 */
public final class JsonBodies {

    /** The content type of every JSON response. */
    public static final String JSON_UTF8 = "application/json; charset=utf-8";

    private static final Header JSON_CONTENT_TYPE = ValidatedHeader.of(HeaderNames.CONTENT_TYPE, JSON_UTF8);

    // UnicodeJsonFactory: a string with an unpaired surrogate is refused rather than stored as "?".
    private static final ObjectMapper MAPPER = JsonMapper.builder(new UnicodeJsonFactory())
            .addModule(new JavaTimeModule())
            // After JavaTimeModule, so that its serializer of Instant is the one found.
            .addModule(new SimpleModule("servicekit-instant-text")
                    .addSerializer(Instant.class, new InstantText.Serializer()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // ALLOW_COERCION_OF_SCALARS leaves a number or boolean for a string field to be taken as its text.
            .withCoercionConfig(
                    LogicalType.Textual,
                    strings -> strings.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private JsonBodies() {}

    /**
     * The shared strict mapper. Use it (for example through {@code mapper().writerFor(…)}) rather than
     * creating another; do not reconfigure it, as every server shares it.
     *
     * @return the mapper
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Reads the request body as JSON into {@code type}.
     *
     * @param request the request; its body is consumed
     * @param type    the target type, typically a record
     * @param <T>     the target type
     * @return the value, never {@code null}
     * @throws ProblemException 415 unless {@code Content-Type} is {@code application/json} or
     *                          {@code application/*+json}; 400 for an empty or malformed body (with line
     *                          and column), a value of the wrong type or an unknown field (naming the field)
     */
    public static <T> T read(ServerRequest request, Class<T> type) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(type, "type");
        return read(request, MAPPER.constructType(type));
    }

    /**
     * Parses a JSON body already read into {@code type}, with the same strict rules and problems as
     * {@link #read(ServerRequest, Class)} (which calls this after checking the content type).
     *
     * @param body the raw body bytes
     * @param type the target type, typically a record
     * @param <T>  the target type
     * @return the value, never {@code null}
     * @throws ProblemException 400 for an empty or malformed body, a value of the wrong type or an unknown field
     */
    public static <T> T parse(byte[] body, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return parse(body, MAPPER.constructType(type));
    }

    /**
     * Reads the request body as JSON into a generic type, e.g. {@code new TypeReference<List<Note>>() {}}, with the
     * same rules and problems as {@link #read(ServerRequest, Class)}; a problem in an element names it by its index
     * ({@code [1].title}).
     *
     * @param request the request; its body is consumed
     * @param type    the target type
     * @param <T>     the target type
     * @return the value, never {@code null}
     * @throws ProblemException as {@link #read(ServerRequest, Class)}
     */
    public static <T> T read(ServerRequest request, TypeReference<T> type) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(type, "type");
        return read(request, MAPPER.constructType(type));
    }

    /**
     * Parses a JSON body already read into a generic type, as {@link #parse(byte[], Class)}.
     *
     * @param body the raw body bytes
     * @param type the target type, e.g. {@code new TypeReference<List<Note>>() {}}
     * @param <T>  the target type
     * @return the value, never {@code null}
     * @throws ProblemException as {@link #parse(byte[], Class)}
     */
    public static <T> T parse(byte[] body, TypeReference<T> type) {
        Objects.requireNonNull(type, "type");
        return parse(body, MAPPER.constructType(type));
    }

    /** The one way a request body is read, whatever the type was given as: the content type, then the bytes. */
    private static <T> T read(ServerRequest request, JavaType type) {
        requireJsonContentType(request);
        return parse(readBytes(request), type);
    }

    private static <T> T parse(byte[] body, JavaType type) {
        Objects.requireNonNull(body, "body");
        Class<?> raw = type.getRawClass();
        if (isBlank(body)) {
            throw ProblemException.badRequest("The request body is empty; send " + describe(raw) + " as JSON");
        }
        T value;
        try {
            value = MAPPER.readerFor(type).readValue(body);
        } catch (IOException e) {
            throw toProblem(e, raw);
        }
        if (value == null) {
            throw ProblemException.badRequest("The request body is null; send " + describe(raw) + " as JSON");
        }
        return value;
    }

    /**
     * Sends {@code body} as JSON ({@code application/json; charset=utf-8}) with the given status.
     *
     * @param response the response, not yet sent
     * @param status   the status, for example {@link Status#OK_200}
     * @param body     the value to serialize with {@link #mapper()}
     * @throws HttpServerException if the value cannot be serialized (a programming error; becomes a 500)
     */
    public static void send(ServerResponse response, Status status, Object body) {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(body, "body");
        byte[] bytes = toBytes(body);
        response.status(status);
        response.header(JSON_CONTENT_TYPE);
        response.send(bytes);
    }

    static byte[] toBytes(Object body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new HttpServerException(
                    "Cannot serialize a " + body.getClass().getName()
                            + " to JSON; make it a record or add Jackson annotations",
                    e);
        }
    }

    private static void requireJsonContentType(ServerRequest request) {
        Optional<HttpMediaType> contentType;
        try {
            contentType = request.headers().contentType();
        } catch (RuntimeException e) {
            throw ProblemException.unsupportedMediaType(
                    "The Content-Type header cannot be parsed; send Content-Type: application/json");
        }
        if (contentType.isEmpty()) {
            throw ProblemException.unsupportedMediaType(
                    "The request has no Content-Type; send the body as JSON with Content-Type: application/json");
        }
        MediaType mediaType = contentType.get().mediaType();
        String main = mediaType.type().toLowerCase(Locale.ROOT);
        String sub = mediaType.subtype().toLowerCase(Locale.ROOT);
        if (!main.equals("application") || !(sub.equals("json") || sub.endsWith("+json"))) {
            throw ProblemException.unsupportedMediaType("Content-Type \"" + mediaType.text()
                    + "\" is not supported; send the body as JSON with " + "Content-Type: application/json");
        }
    }

    private static byte[] readBytes(ServerRequest request) {
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        try {
            // Helidon's own exceptions (for example 413 for a chunked body over the limit) are unchecked and
            // pass through unchanged, so the server answers them itself.
            return request.content().inputStream().readAllBytes();
        } catch (IOException e) {
            // The connection failed while the body was arriving: the client's side went away.
            ProblemException problem = ProblemException.badRequest(
                    "The request body could not be read to its end; send the whole body again");
            problem.initCause(e);
            throw problem;
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private static ProblemException toProblem(IOException e, Class<?> type) {
        ProblemException problem = switch (e) {
            case UnicodeJsonFactory.NotUnicodeText n -> notUnicode(n);
            case JsonMappingException j
            when j.getCause() instanceof UnicodeJsonFactory.NotUnicodeText n -> notUnicode(n);
            case UnrecognizedPropertyException u -> unknownField(u);
            case ValueInstantiationException v -> invalidValue(v, type);
            case MismatchedInputException m -> mismatchedInput(m, type);
            case StreamReadException s
            when duplicateField(s).isPresent() -> duplicate(duplicateField(s).orElseThrow());
            // Inside a nested value the parser's exception arrives wrapped, with the path to that value.
            case JsonMappingException j
            when j.getCause() instanceof StreamReadException s
                    && duplicateField(s).isPresent() ->
                duplicate(duplicateField(s).orElseThrow());
            case StreamReadException s -> malformed(s);
            // A string's bytes are read when a deserializer asks for its text, which wraps the parser's exception.
            case JsonMappingException j when j.getCause() instanceof StreamReadException s -> malformed(s);
            case JsonMappingException j ->
                ProblemException.badRequest("The request body cannot be read as " + describe(type) + fieldSuffix(j));
            default -> ProblemException.badRequest("The request body cannot be read as JSON");
        };
        if (problem.getCause() == null) {
            problem.initCause(e);
        }
        return problem;
    }

    private static ProblemException malformed(StreamReadException e) {
        String original = e.getOriginalMessage();
        if (original != null && original.contains(" surrogate") && original.contains(" in field name")) {
            // Jackson's own check: "Unexpected low surrogate in field name", "Broken surrogate pair in field name".
            return ProblemException.badRequest("The request body has a field name that is not Unicode text"
                    + at(e.getLocation()) + ": it holds an unpaired surrogate; " + SURROGATE_FIX);
        }
        if (original != null && original.startsWith("Invalid UTF-8")) {
            return ProblemException.badRequest(
                    "The request body is not UTF-8" + at(e.getLocation()) + "; send JSON as UTF-8");
        }
        return ProblemException.badRequest(
                "The request body is not valid JSON" + at(e.getLocation()) + "; check quotes, commas and brackets");
    }

    private static ProblemException unknownField(UnrecognizedPropertyException e) {
        String field = path(e);
        String name = e.getPropertyName();
        List<String> known = e.getKnownPropertyIds() == null
                ? List.of()
                : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
        String hint = nearest(name, known)
                .map(suggestion -> "; did you mean \"" + suggestion + "\"?")
                .orElse(known.isEmpty() ? "" : "; known fields: " + String.join(", ", known));
        return fieldProblem(field, "unknown field" + hint, "unknown field \"" + field + "\"" + hint);
    }

    private static ProblemException mismatchedInput(MismatchedInputException e, Class<?> rootType) {
        String field = path(e);
        if (field.isEmpty()) {
            String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            if (original.startsWith("Trailing token")) {
                return ProblemException.badRequest("The request body has content after the JSON value"
                        + at(e.getLocation()) + "; send exactly one JSON value");
            }
            return ProblemException.badRequest("The request body must be " + describe(rootType) + at(e.getLocation()));
        }
        String expected = "must be " + describe(e.getTargetType());
        if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Cannot map `null`")) {
            // FAIL_ON_NULL_FOR_PRIMITIVES: Jackson reports an absent primitive the same way as an explicit null.
            String message = "is missing or null; it " + expected;
            return fieldProblem(field, message, "field \"" + field + "\" " + message);
        }
        return fieldProblem(field, expected, "field \"" + field + "\" " + expected);
    }

    private static ProblemException invalidValue(ValueInstantiationException e, Class<?> rootType) {
        if (e.getCause() instanceof ProblemException problem) {
            return problem;
        }
        String field = path(e);
        // A record's compact constructor rejected the value: its IllegalArgumentException message is
        // written for the caller, anything else may be internal and stays in the cause.
        String reason = e.getCause() instanceof IllegalArgumentException iae && iae.getMessage() != null
                ? iae.getMessage()
                : "the value is not valid";
        if (field.isEmpty()) {
            return ProblemException.badRequest(
                    "The request body is not a valid " + rootType.getSimpleName() + ": " + reason);
        }
        return fieldProblem(field, reason, "field \"" + field + "\": " + reason);
    }

    private static ProblemException fieldProblem(String field, String message, String detail) {
        if (field.isBlank()) {
            return ProblemException.badRequest("The request body is not valid: " + message);
        }
        return ProblemException.of(400, ProblemException.VALIDATION, "Request validation failed", detail)
                .withExtension("errors", List.of(new FieldError(field, message)));
    }

    private static String fieldSuffix(JsonMappingException e) {
        String field = path(e);
        return field.isEmpty() ? "" : " (at field \"" + field + "\")";
    }

    private static ProblemException duplicate(String field) {
        return fieldProblem(
                field,
                "appears more than once; send each field once",
                "field \"" + field + "\" appears more than once; send each field once");
    }

    /**
     * The path of the field a duplicate-key check refused ({@code StreamReadFeature.STRICT_DUPLICATE_DETECTION}), in
     * the notation of {@link #path(JsonMappingException)}; empty for any other parse error.
     */
    private static Optional<String> duplicateField(StreamReadException e) {
        String original = e.getOriginalMessage();
        if (original == null || !original.startsWith("Duplicate field ") || e.getProcessor() == null) {
            return Optional.empty();
        }
        return Optional.of(path(e.getProcessor().getParsingContext()));
    }

    /** What to do instead of sending an unpaired surrogate, for a string value and for a field name. */
    private static final String SURROGATE_FIX =
            "send a character beyond U+FFFF as a surrogate pair (for example \\uD83D\\uDE00) or as UTF-8";

    /** A string value with an unpaired surrogate, named by its path as the other field problems are. */
    private static ProblemException notUnicode(UnicodeJsonFactory.NotUnicodeText e) {
        String message = String.format(
                "is not Unicode text: it holds an unpaired surrogate (\\u%04X); %s",
                (int) e.surrogate(), SURROGATE_FIX);
        String field = e.getProcessor() == null ? "" : path(e.getProcessor().getParsingContext());
        return field.isEmpty()
                ? ProblemException.badRequest("The request body " + message)
                : fieldProblem(field, message, "field \"" + field + "\" " + message);
    }

    /** The path of the value a parser is at, in the notation of {@link #path(JsonMappingException)}. */
    private static String path(JsonStreamContext at) {
        List<JsonStreamContext> outermostFirst = new ArrayList<>();
        for (JsonStreamContext context = at; context != null && !context.inRoot(); context = context.getParent()) {
            outermostFirst.add(0, context);
        }
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext context : outermostFirst) {
            if (context.inArray()) {
                appendStep(path, null, context.getCurrentIndex());
            } else {
                appendStep(path, context.getCurrentName(), -1);
            }
        }
        return path.toString();
    }

    /** JSON path such as {@code address.zip}, {@code items[2].name} or {@code [""]} (an empty key); never blank when the path has a member. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            appendStep(path, ref.getFieldName(), ref.getIndex());
        }
        return path.toString();
    }

    /** One step of a path in {@link #path}'s notation: a member's {@code name}, else an array's {@code index} (≥ 0). */
    private static void appendStep(StringBuilder path, String name, int index) {
        if (name != null && name.isBlank()) {
            // An empty or blank key ({"": 1}) gets bracket notation so the path is never blank.
            path.append("[\"").append(name).append("\"]");
        } else if (name != null) {
            if (!path.isEmpty()) {
                path.append('.');
            }
            path.append(name);
        } else if (index >= 0) {
            path.append('[').append(index).append(']');
        }
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    static String describe(Class<?> type) {
        if (type == null) {
            return "a value of the expected type";
        }
        if (type == String.class || type == Character.class || type == char.class) {
            return "a string";
        }
        if (type == int.class
                || type == Integer.class
                || type == long.class
                || type == Long.class
                || type == short.class
                || type == Short.class
                || type == byte.class
                || type == Byte.class
                || type == BigInteger.class) {
            return "an integer";
        }
        if (type == double.class
                || type == Double.class
                || type == float.class
                || type == Float.class
                || type == BigDecimal.class
                || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            return "one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(c -> "\"" + ((Enum<?>) c).name() + "\"")
                            .collect(Collectors.joining(", "));
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type == Instant.class || type == OffsetDateTime.class || type == ZonedDateTime.class) {
            return "an ISO-8601 timestamp such as \"2024-01-31T12:00:00Z\"";
        }
        if (type == LocalDate.class) {
            return "an ISO-8601 date such as \"2024-01-31\"";
        }
        if (type == UUID.class) {
            return "a UUID string";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "a JSON object";
    }

    /** The known name closest to a typo, if it is close enough to be a plausible suggestion. */
    static Optional<String> nearest(String typo, Collection<String> known) {
        if (typo == null) {
            return Optional.empty();
        }
        int threshold = Math.max(1, Math.min(3, typo.length() / 3 + 1));
        return known.stream()
                .map(k -> Map.entry(k, distance(typo.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT))))
                .filter(e -> e.getValue() <= threshold)
                .min(Comparator.comparingInt(Map.Entry<String, Integer>::getValue)
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    /** Optimal string alignment distance: edits, with a swap of two neighbours counted as one. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
