package dev.servicekit.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks HTTP responses against an OpenAPI 3.1 document, so a test that sees a response the document does not
 * describe fails: the status must be one the operation lists, every header the response lists as required must be
 * there with a value of its schema, the {@code Content-Type} must be one the response lists (or the body empty when
 * it lists none), and a JSON body must validate against the schema (JSON Schema 2020-12 in the OpenAPI 3.1
 * dialect, by networknt's json-schema-validator, with format assertions on). A path no operation matches must have
 * answered 404, a known path with another method 405 with {@code Allow}; both with a body of the document's
 * {@code Problem} schema. A HEAD request is checked against the GET operation of its path, when the document has
 * no HEAD operation there (RFC 9110 §9.3.2): its status and headers as the GET's, and no content.
 *
 * <p>Thread-safe; build one per document and share it.
 *
 * {@snippet :
 * TestHttpClient plain = TestHttpClient.create(baseUrl);
 * TestHttpClient api = plain.withResponseCheck(OpenApiContract.fetch(plain));
 * api.get("/api/v1/users"); // throws AssertionError when the response breaks the contract
 * }
 */
public final class OpenApiContract implements TestHttpClient.ResponseCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where the document is registered for the validator; never fetched. */
    private static final String DOCUMENT_URI = "https://servicekit.invalid/openapi.json";

    private static final Pattern TEMPLATE_PARAMETER = Pattern.compile("\\{[^}/]+}");
    private static final Pattern REF = Pattern.compile("^#");

    private final JsonNode document;
    private final SchemaRegistry registry;
    private final List<PathTemplate> paths = new ArrayList<>();
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private record PathTemplate(String template, Pattern pattern, int parameters) {}

    private OpenApiContract(String json) {
        try {
            this.document = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The OpenAPI document is not JSON: " + e.getOriginalMessage(), e);
        }
        if (!document.path("openapi").asText().startsWith("3.1")) {
            throw new IllegalArgumentException("Not an OpenAPI 3.1 document (openapi: \""
                    + document.path("openapi").asText() + "\")");
        }
        this.registry = SchemaRegistry.withDefaultDialect(
                Dialects.getOpenApi31(),
                builder -> builder.schemas(Map.of(DOCUMENT_URI, json))
                        .schemaRegistryConfig(SchemaRegistryConfig.builder()
                                .formatAssertionsEnabled(true)
                                .build()));
        for (Iterator<String> names = document.path("paths").fieldNames(); names.hasNext(); ) {
            String template = names.next();
            StringBuilder regex = new StringBuilder("^");
            Matcher parameter = TEMPLATE_PARAMETER.matcher(template);
            int last = 0;
            int count = 0;
            while (parameter.find()) {
                regex.append(Pattern.quote(template.substring(last, parameter.start())))
                        .append("[^/]+");
                last = parameter.end();
                count++;
            }
            regex.append(Pattern.quote(template.substring(last))).append('$');
            paths.add(new PathTemplate(template, Pattern.compile(regex.toString()), count));
        }
    }

    /**
     * A contract from a document's JSON text.
     *
     * @param documentJson an OpenAPI 3.1 document as JSON
     * @return the contract
     * @throws IllegalArgumentException when the text is not JSON or not OpenAPI 3.1
     */
    public static OpenApiContract of(String documentJson) {
        return new OpenApiContract(Objects.requireNonNull(documentJson, "documentJson"));
    }

    /**
     * The contract a running service publishes at {@code GET /openapi.json}.
     *
     * @param client a client of the service's API listener
     * @return the contract
     * @throws AssertionError when the service does not serve its document
     */
    public static OpenApiContract fetch(TestHttpClient client) {
        TestResponse response = client.get("/openapi.json");
        if (response.status() != 200) {
            throw new AssertionError("GET /openapi.json answered " + response.status() + ": " + response.body());
        }
        return of(response.body());
    }

    /** The document (do not modify it). */
    public JsonNode document() {
        return document;
    }

    @Override
    public void check(String method, String path, TestResponse response) {
        List<String> violations = violations(method, path, response);
        if (!violations.isEmpty()) {
            throw new AssertionError("The " + response.status() + " response to " + method + " " + path
                    + " breaks the OpenAPI document:\n  - " + String.join("\n  - ", violations) + "\nbody: "
                    + abbreviate(response.body()));
        }
    }

    /**
     * Everything about the response that the document does not allow; empty when it conforms.
     *
     * @param method   the request's method
     * @param path     the request's path, with or without a query
     * @param response the response
     * @return the violations, each a sentence
     */
    public List<String> violations(String method, String path, TestResponse response) {
        List<String> violations = new ArrayList<>();
        String rawPath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        Optional<PathTemplate> template = paths.stream()
                .filter(candidate -> candidate.pattern().matcher(rawPath).matches())
                .min((a, b) -> Integer.compare(a.parameters(), b.parameters()));
        // HEAD is GET without the content (RFC 9110 §9.3.2): a document describes the GET, and HEAD answers as it.
        boolean head = method.equalsIgnoreCase("HEAD");
        if (head && !response.body().isEmpty()) {
            violations.add(
                    "a response to HEAD has no content, but " + response.body().length() + " characters were sent");
            return violations;
        }
        if (template.isEmpty()) {
            expectUnrouted(404, "no path of the document matches \"" + rawPath + "\"", head, response, violations);
            return violations;
        }
        String pathPointer = "/paths/" + escape(template.get().template());
        JsonNode operation = document.at(pathPointer + "/" + method.toLowerCase(Locale.ROOT));
        if (operation.isMissingNode() && head) {
            operation = document.at(pathPointer + "/get");
        }
        if (operation.isMissingNode()) {
            expectUnrouted(
                    405, template.get().template() + " has no " + method + " operation", head, response, violations);
            if (response.header("Allow").isEmpty()) {
                violations.add("a 405 must carry Allow");
            }
            return violations;
        }
        String status = Integer.toString(response.status());
        JsonNode declared = operation.path("responses").path(status);
        if (declared.isMissingNode()) {
            List<String> documented = new ArrayList<>();
            operation.path("responses").fieldNames().forEachRemaining(documented::add);
            violations.add("status " + status + " is not documented for " + method + " "
                    + template.get().template() + " (documented: " + String.join(", ", documented) + ")");
            return violations;
        }
        JsonNode resolved = resolve(declared);
        checkHeaders(resolved, response, violations);
        if (!head) {
            checkBody(resolved, response, violations);
        }
        return violations;
    }

    private void expectUnrouted(
            int expected, String why, boolean head, TestResponse response, List<String> violations) {
        if (response.status() != expected) {
            violations.add(why + ", so the answer must be " + expected + ", was " + response.status());
            return;
        }
        if (!mediaType(response).equals("application/problem+json")) {
            violations.add(
                    "a " + expected + " must be application/problem+json, was \"" + response.contentType() + "\"");
            return;
        }
        if (!head) { // a HEAD's problem has its headers only
            validate("#/components/schemas/Problem", response.json(), "body", violations);
        }
    }

    private void checkHeaders(JsonNode declared, TestResponse response, List<String> violations) {
        for (Map.Entry<String, JsonNode> entry : declared.path("headers").properties()) {
            JsonNode header = resolve(entry.getValue());
            Optional<String> value = response.header(entry.getKey());
            if (value.isEmpty()) {
                if (header.path("required").asBoolean(false)) {
                    violations.add("required header " + entry.getKey() + " is missing");
                }
                continue;
            }
            JsonNode schema = header.path("schema");
            if (!schema.isMissingNode()) {
                validate(schema, headerValue(schema, value.get()), "header " + entry.getKey(), violations);
            }
        }
    }

    private void checkBody(JsonNode declared, TestResponse response, List<String> violations) {
        JsonNode content = declared.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (!response.body().isEmpty()) {
                violations.add("the response documents no body, but one was sent ("
                        + response.body().length() + " characters)");
            }
            return;
        }
        String mediaType = mediaType(response);
        JsonNode media = content.path(mediaType);
        if (media.isMissingNode()) {
            List<String> documented = new ArrayList<>();
            content.fieldNames().forEachRemaining(documented::add);
            violations.add("Content-Type \"" + response.contentType() + "\" is not documented (documented: "
                    + String.join(", ", documented) + ")");
            return;
        }
        if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
            return; // only JSON bodies are validated against their schema
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            violations.add("the body is not JSON: " + e.getOriginalMessage());
            return;
        }
        JsonNode schema = media.path("schema");
        if (!schema.isMissingNode()) {
            validate(schema, body, "body", violations);
        }
    }

    /** A header's text as the JSON value its schema describes (integers for integer schemas). */
    private JsonNode headerValue(JsonNode schema, String text) {
        String type = resolve(schema).path("type").asText();
        if (type.equals("integer")) {
            try {
                return LongNode.valueOf(Long.parseLong(text.strip()));
            } catch (NumberFormatException e) {
                return TextNode.valueOf(text);
            }
        }
        return TextNode.valueOf(text);
    }

    private void validate(String ref, JsonNode instance, String what, List<String> violations) {
        validate(JSON.createObjectNode().put("$ref", ref), instance, what, violations);
    }

    private void validate(JsonNode schemaNode, JsonNode instance, String what, List<String> violations) {
        String key = schemaNode.toString();
        Schema schema = schemas.computeIfAbsent(
                key,
                k -> registry.getSchema(
                        SchemaLocation.of("urn:servicekit:contract:" + Integer.toHexString(k.hashCode())),
                        absoluteRefs(schemaNode)));
        for (Error error : schema.validate(instance)) {
            String at = error.getInstanceLocation().toString();
            violations.add(what + (at.isEmpty() || at.equals("$") ? "" : " at " + at) + ": " + error.getMessage());
        }
    }

    /** A copy in which every document-local {@code $ref} names the registered document, wherever the copy lives. */
    private static JsonNode absoluteRefs(JsonNode node) {
        JsonNode copy = node.deepCopy();
        rewriteRefs(copy);
        return copy;
    }

    private static void rewriteRefs(JsonNode node) {
        if (node instanceof ObjectNode object) {
            JsonNode ref = object.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("#")) {
                object.put("$ref", REF.matcher(ref.asText()).replaceFirst(DOCUMENT_URI + "#"));
            }
        }
        node.forEach(OpenApiContract::rewriteRefs);
    }

    /** The node, or the component its {@code $ref} names. */
    private JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; hops < 10 && current.has("$ref"); hops++) {
            current = document.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }

    private static String mediaType(TestResponse response) {
        String type = response.contentType();
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static String escape(String pointerSegment) {
        return pointerSegment.replace("~", "~0").replace("/", "~1");
    }

    private static String abbreviate(String body) {
        return body.length() <= 500 ? body : body.substring(0, 497) + "...";
    }
}
