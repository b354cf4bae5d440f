package dev.servicekit.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Small factories for the JSON Schemas (OpenAPI 3.1, that is JSON Schema 2020-12) that {@link Route}s carry: Jackson
 * tree nodes, refined with Jackson's own {@code put} where a keyword has no factory here.
 *
 * <p>A schema with a {@code title} is a named component: the generated document lists it once under
 * {@code components/schemas/<title>} and refers to it from every place it is used, so two different schemas must
 * not share a title.
 *
 * {@snippet :
 * ObjectNode user = JsonSchemas.object("User")
 *         .required("id", JsonSchemas.integer().put("minimum", 1))
 *         .required("name", JsonSchemas.string())
 *         .optional("nickname", JsonSchemas.string())
 *         .build();
 * }
 */
public final class JsonSchemas {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonSchemas() {}

    /** {@code {"type": "string"}}. */
    public static ObjectNode string() {
        return typed("string");
    }

    /** {@code {"type": "integer"}}. */
    public static ObjectNode integer() {
        return typed("integer");
    }

    /** {@code {"type": "boolean"}}. */
    public static ObjectNode bool() {
        return typed("boolean");
    }

    /** {@code {"type": "string", "format": "date-time"}}: an RFC 3339 timestamp such as {@code 2026-12-04T10:15:30Z}. */
    public static ObjectNode dateTime() {
        return string().put("format", "date-time");
    }

    /** {@code {"type": "string", "enum": [values…]}}. */
    public static ObjectNode enumOf(String... values) {
        ObjectNode schema = string();
        ArrayNode allowed = schema.putArray("enum");
        for (String value : values) {
            allowed.add(value);
        }
        return schema;
    }

    /** {@code {"type": "array", "items": items}}. */
    public static ObjectNode array(JsonNode items) {
        ObjectNode schema = typed("array");
        schema.set("items", Objects.requireNonNull(items, "items").deepCopy());
        return schema;
    }

    /** {@code schema} that also admits {@code null} ({@code {"oneOf": [schema, {"type": "null"}]}}). */
    public static ObjectNode nullable(JsonNode schema) {
        ObjectNode nullable = NODES.objectNode();
        ArrayNode choices = nullable.putArray("oneOf");
        choices.add(Objects.requireNonNull(schema, "schema").deepCopy());
        choices.add(typed("null"));
        return nullable;
    }

    /** Any JSON value: the empty schema {@code {}}. */
    public static ObjectNode any() {
        return NODES.objectNode();
    }

    /**
     * An object schema with exactly the properties added to the builder ({@code additionalProperties: false}).
     *
     * @param title the component name, for example {@code User}; unique within one application's routes
     * @return the builder
     */
    public static ObjectSchema object(String title) {
        return new ObjectSchema(title);
    }

    private static ObjectNode typed(String type) {
        return NODES.objectNode().put("type", type);
    }

    /** Builds an object schema property by property; not thread-safe, build it where the routes are declared. */
    public static final class ObjectSchema {
        private final ObjectNode schema = NODES.objectNode();
        private final ObjectNode properties;
        private final ArrayNode required;

        private ObjectSchema(String title) {
            if (Objects.requireNonNull(title, "title").isBlank()) {
                throw new IllegalArgumentException("An object schema needs a title, the name of its component");
            }
            schema.put("title", title);
            schema.put("type", "object");
            properties = schema.putObject("properties");
            required = schema.putArray("required");
        }

        /** A property the object always has. */
        public ObjectSchema required(String name, JsonNode propertySchema) {
            optional(name, propertySchema);
            required.add(name);
            return this;
        }

        /** A property the object may lack. */
        public ObjectSchema optional(String name, JsonNode propertySchema) {
            if (properties.has(Objects.requireNonNull(name, "name"))) {
                throw new IllegalArgumentException("Property \"" + name + "\" of schema \""
                        + schema.path("title").asText() + "\" is declared twice");
            }
            properties.set(
                    name,
                    Objects.requireNonNull(propertySchema, "propertySchema").deepCopy());
            return this;
        }

        /** A description of the object as a whole. */
        public ObjectSchema description(String text) {
            schema.put("description", Objects.requireNonNull(text, "text"));
            return this;
        }

        /** The schema; every call returns a new copy. */
        public ObjectNode build() {
            ObjectNode copy = schema.deepCopy();
            if (required.isEmpty()) {
                copy.remove("required");
            }
            copy.put("additionalProperties", false);
            return copy;
        }
    }
}
