package dev.servicekit.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small JSON documents as plain Java values, read and written with jackson-core's streaming parser and generator
 * alone: an object is a {@code Map<String, Object>} (a {@link LinkedHashMap}, in the document's order; a repeated
 * name keeps its last value), an array a {@code List<Object>}, a string a {@code String}, a whole number an
 * {@code Integer}, {@code Long} or {@code BigInteger} (the smallest that holds it), any other number a
 * {@code Double}, {@code true}/{@code false} a {@code Boolean}, and {@code null} null: the values
 * jackson-databind's {@code readValue(json, Map.class)} gives with its default settings.
 *
 * <p>Why not jackson-databind here: the first {@code ObjectMapper} of a JVM initialises its date format, whose
 * calendar loads the JDK's locale data, and its own classes; on the way of a CLI verb that reads a few fields
 * ({@code status}: the running instance's file and the management listener's answer) that was about a sixth of
 * the verb's time (docs/decisions.md, "status answers like version"). Anything with a schema, or bound to
 * records, stays with databind.
 *
 * {@snippet :
 * Map<String, Object> status = JsonValues.readObject("{\"state\":\"RUNNING\",\"uptimeSeconds\":14}");
 * String json = JsonValues.write(Map.of("running", true)); // {"running":true}
 * }
 */
public final class JsonValues {

    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonValues() {}

    /**
     * Reads one JSON value, which must be the whole text (nothing but white space after it).
     *
     * @throws IOException (a {@link JsonParseException}) when the text is not one JSON value
     */
    public static Object read(String json) throws IOException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new JsonParseException(parser, "no JSON value (the text is empty)");
            }
            Object value = value(parser, first);
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "more than one JSON value");
            }
            return value;
        }
    }

    /**
     * Reads one JSON object, which must be the whole text.
     *
     * @throws IOException when the text is not one JSON value, or that value is not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(String json) throws IOException {
        Object value = read(json);
        if (!(value instanceof Map<?, ?>)) {
            throw new IOException("not a JSON object but " + (value == null ? "null" : "a " + kind(value)));
        }
        return (Map<String, Object>) value;
    }

    /**
     * Writes {@code value} as compact JSON: maps (their keys as text) and other collections, strings, numbers,
     * booleans and null, nested in any way.
     *
     * @throws IllegalArgumentException for a value of any other type (a mistake of the caller's, not of the data)
     */
    public static String write(Object value) {
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(text)) {
            write(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    private static Object value(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_OBJECT; next = parser.nextToken()) {
                    String name = parser.currentName();
                    object.put(name, value(parser, parser.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    array.add(value(parser, next));
                }
                return array;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT -> {
                return parser.getNumberValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new JsonParseException(parser, "unexpected " + token);
        }
    }

    private static void write(JsonGenerator generator, Object value) throws IOException {
        if (value == null) {
            generator.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            generator.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                generator.writeFieldName(String.valueOf(entry.getKey()));
                write(generator, entry.getValue());
            }
            generator.writeEndObject();
        } else if (value instanceof Collection<?> collection) {
            generator.writeStartArray();
            for (Object element : collection) {
                write(generator, element);
            }
            generator.writeEndArray();
        } else if (value instanceof String text) {
            generator.writeString(text);
        } else if (value instanceof Boolean bool) {
            generator.writeBoolean(bool);
        } else if (value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte) {
            generator.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigInteger big) {
            generator.writeNumber(big);
        } else if (value instanceof BigDecimal decimal) {
            generator.writeNumber(decimal);
        } else if (value instanceof Double number) {
            generator.writeNumber(number);
        } else if (value instanceof Float number) {
            generator.writeNumber(number);
        } else {
            throw new IllegalArgumentException("JsonValues writes maps, collections, strings, numbers, booleans and"
                    + " null, not a " + value.getClass().getName());
        }
    }

    private static String kind(Object value) {
        return value instanceof List<?> ? "JSON array" : value instanceof String ? "JSON string" : "JSON scalar";
    }
}
