package dev.servicekit.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of one API listener, generated from its routes ({@link RouteDoc}) and what the toolkit
 * does on every route: request ids, problem+json errors, the bearer JWT scheme with the routes' scopes. Built once
 * at start (the routes do not change while the service runs) and served as YAML and JSON by {@link #routes()}.
 */
final class OpenApiDocument {

    static final String YAML_PATH = "/openapi.yaml";
    static final String JSON_PATH = "/openapi.json";
    static final String YAML_MEDIA_TYPE = "application/yaml";
    static final String SECURITY_SCHEME = "bearerAuth";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern TEMPLATE_PARAMETER = Pattern.compile("\\{([^}:]+)(?::[^}]*)?}");
    private static final Pattern COMPONENT_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String PROBLEM_JSON = ProblemResponses.PROBLEM_JSON;
    private static final String REQUEST_ID = RequestIds.HEADER.defaultCase();

    private final ObjectNode document;
    /**
     * The two renderings, written on the first request for each: the tree is built (and checked) at start, but the
     * YAML writer's classes and the bytes stay off the start path and out of the memory of a service nobody asks.
     */
    private volatile byte[] json;

    private volatile byte[] yaml;

    private OpenApiDocument(ObjectNode document) {
        this.document = document;
    }

    /** Holds the YAML writer, so its classes load on the first YAML request, not with this class. */
    private static final class YamlWriter {
        static final ObjectMapper MAPPER = new YAMLMapper(YAMLFactory.builder()
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .disable(YAMLGenerator.Feature.SPLIT_LINES)
                .build());
    }

    private byte[] jsonBytes() {
        byte[] bytes = json;
        if (bytes == null) {
            bytes = write(JsonBodies.mapper().writerWithDefaultPrettyPrinter()::writeValueAsBytes);
            json = bytes;
        }
        return bytes;
    }

    private byte[] yamlBytes() {
        byte[] bytes = yaml;
        if (bytes == null) {
            bytes = write(YamlWriter.MAPPER::writeValueAsBytes);
            yaml = bytes;
        }
        return bytes;
    }

    /** Renders the document; two first requests at once may both render it, to the same bytes. */
    private byte[] write(Renderer renderer) {
        try {
            return renderer.render(document);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("Cannot write the OpenAPI document", e);
        }
    }

    @FunctionalInterface
    private interface Renderer {
        byte[] render(ObjectNode document) throws JsonProcessingException;
    }

    /**
     * The document of an API listener serving {@code routes}, including the two routes that serve the document.
     *
     * @param title       the service name
     * @param version     the service version
     * @param routes      the application's API routes
     * @param authEnabled whether routes with scopes need a bearer token
     * @throws IllegalArgumentException when two routes share an operation id, or two different schemas a title
     */
    static OpenApiDocument generate(String title, String version, List<Route> routes, boolean authEnabled) {
        List<Route> all = new ArrayList<>(routes);
        // Only their descriptions are used here; routes() serves the bytes.
        all.addAll(documentRoutes((req, res) -> res.send(), (req, res) -> res.send()));
        return new OpenApiDocument(new Generator(authEnabled).document(title, version, all));
    }

    /** The document as a tree (a copy). */
    ObjectNode tree() {
        return document.deepCopy();
    }

    /** The document as pretty-printed JSON. */
    byte[] json() {
        return jsonBytes().clone();
    }

    /** The document as YAML. */
    byte[] yaml() {
        return yamlBytes().clone();
    }

    /** {@code GET /openapi.yaml} and {@code GET /openapi.json}: public, served from bytes written once. */
    List<Route> routes() {
        return documentRoutes(
                (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, YAML_MEDIA_TYPE);
                    res.status(Status.OK_200).send(yamlBytes());
                },
                (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, JsonBodies.JSON_UTF8);
                    res.status(Status.OK_200).send(jsonBytes());
                });
    }

    private static List<Route> documentRoutes(Handler yamlHandler, Handler jsonHandler) {
        ObjectNode anyObject = JsonSchemas.any().put("type", "object");
        return List.of(
                Route.get(YAML_PATH, yamlHandler)
                        .operationId("getOpenApiYaml")
                        .summary("This OpenAPI document, as YAML")
                        .response(RouteDoc.Response.of(200, "The OpenAPI 3.1 document of this API")
                                .content(YAML_MEDIA_TYPE, anyObject)),
                Route.get(JSON_PATH, jsonHandler)
                        .operationId("getOpenApiJson")
                        .summary("This OpenAPI document, as JSON")
                        .response(RouteDoc.Response.of(200, "The OpenAPI 3.1 document of this API")
                                .json(anyObject)));
    }

    /** One generation: collects the components the operations use. */
    private static final class Generator {
        private final boolean authEnabled;
        private final ObjectNode schemas = NODES.objectNode();
        private final ObjectNode problemResponses = NODES.objectNode();
        private final Set<String> operationIds = new HashSet<>();
        private boolean securityUsed;

        Generator(boolean authEnabled) {
            this.authEnabled = authEnabled;
        }

        ObjectNode document(String title, String version, List<Route> routes) {
            ObjectNode root = NODES.objectNode();
            root.put("openapi", "3.1.0");
            ObjectNode info = root.putObject("info");
            info.put("title", title);
            info.put("version", version);
            info.put(
                    "description",
                    "The HTTP API of " + title + ". Every response carries `X-Request-Id`; every error is an RFC 9457"
                            + " problem (`application/problem+json`). Generated from the routes that serve it.");
            root.putArray("servers").addObject().put("url", "/").put("description", "This service");

            Map<String, ObjectNode> paths = new LinkedHashMap<>();
            for (Route route : routes) {
                String path = openApiPath(route.pathTemplate());
                ObjectNode item = paths.computeIfAbsent(path, p -> NODES.objectNode());
                item.set(route.method().text().toLowerCase(Locale.ROOT), operation(route));
            }
            ObjectNode pathsNode = root.putObject("paths");
            paths.forEach(pathsNode::set);

            ObjectNode components = root.putObject("components");
            problemSchemas();
            components.set("schemas", schemas);
            components.set("responses", problemResponses);
            components.putObject("parameters").set("RequestId", requestIdParameter());
            components.putObject("headers").set(REQUEST_ID, requestIdHeader());
            if (securityUsed) {
                components.putObject("securitySchemes").set(SECURITY_SCHEME, securityScheme());
            }
            return root;
        }

        private ObjectNode operation(Route route) {
            RouteDoc doc = route.doc();
            ObjectNode operation = NODES.objectNode();
            String id = doc.operationId().orElseGet(() -> derivedOperationId(route));
            if (!operationIds.add(id)) {
                throw new IllegalArgumentException("Operation id \"" + id + "\" is used by two routes; give "
                        + route.method().text() + " " + route.pathTemplate() + " its own with .operationId(..)");
            }
            operation.put("operationId", id);
            operation.put(
                    "summary",
                    doc.summary().isEmpty() ? route.method().text() + " " + route.pathTemplate() : doc.summary());
            if (!doc.description().isEmpty()) {
                operation.put("description", doc.description());
            }
            boolean secured = authEnabled && !route.scopes().isEmpty();
            ArrayNode security = operation.putArray("security");
            if (secured) {
                ArrayNode scopes = security.addObject().putArray(SECURITY_SCHEME);
                new TreeSet<>(route.scopes()).forEach(scopes::add);
                securityUsed = true;
            }
            operation.set("parameters", parameters(route));
            doc.requestSchema().ifPresent(schema -> {
                ObjectNode body = operation.putObject("requestBody");
                body.put("required", true);
                body.putObject("content").putObject("application/json").set("schema", hoist(schema));
            });

            ObjectNode responses = operation.putObject("responses");
            if (doc.responses().keySet().stream().noneMatch(status -> status < 400)) {
                ObjectNode ok = NODES.objectNode();
                ok.put("description", "OK (the route does not describe its response)");
                ok.set("headers", requestIdOnly());
                ok.putObject("content").putObject("application/json").set("schema", JsonSchemas.any());
                responses.set("200", ok);
            }
            SortedSet<Integer> problems = new TreeSet<>(doc.problems());
            if (doc.requestSchema().isPresent()) {
                problems.addAll(List.of(400, 413, 415));
            }
            if (secured) {
                problems.addAll(List.of(401, 403));
            }
            problems.addAll(List.of(500, 503));
            problems.removeAll(doc.responses().keySet());
            SortedSet<Integer> statuses = new TreeSet<>(doc.responses().keySet());
            statuses.addAll(problems);
            for (int status : statuses) {
                RouteDoc.Response declared = doc.responses().get(status);
                responses.set(Integer.toString(status), declared != null ? response(declared) : problemRef(status));
            }
            return operation;
        }

        private ArrayNode parameters(Route route) {
            ArrayNode parameters = NODES.arrayNode();
            parameters.addObject().put("$ref", "#/components/parameters/RequestId");
            Set<String> declaredPath = new HashSet<>();
            for (RouteDoc.Parameter parameter : route.doc().parameters()) {
                if (parameter.in().equals("path")) {
                    declaredPath.add(parameter.name());
                }
                parameters.add(parameter(parameter));
            }
            Matcher names = TEMPLATE_PARAMETER.matcher(route.pathTemplate());
            while (names.find()) {
                if (!declaredPath.contains(names.group(1))) {
                    parameters.add(parameter(RouteDoc.Parameter.path(names.group(1), "", JsonSchemas.string())));
                }
            }
            return parameters;
        }

        private ObjectNode parameter(RouteDoc.Parameter parameter) {
            ObjectNode node = NODES.objectNode();
            node.put("name", parameter.name());
            node.put("in", parameter.in());
            if (!parameter.description().isEmpty()) {
                node.put("description", parameter.description());
            }
            node.put("required", parameter.required());
            node.set("schema", hoist(parameter.schema()));
            return node;
        }

        private ObjectNode response(RouteDoc.Response declared) {
            ObjectNode node = NODES.objectNode();
            node.put("description", declared.description());
            ObjectNode headers = requestIdOnly();
            for (RouteDoc.Header header : declared.headers()) {
                ObjectNode h = headers.putObject(header.name());
                if (!header.description().isEmpty()) {
                    h.put("description", header.description());
                }
                h.put("required", header.required());
                h.set("schema", hoist(header.schema()));
            }
            node.set("headers", headers);
            if (!declared.content().isEmpty()) {
                ObjectNode content = node.putObject("content");
                declared.content()
                        .forEach((type, schema) -> content.putObject(type).set("schema", hoist(schema)));
            }
            return node;
        }

        private ObjectNode problemRef(int status) {
            String name = problemResponseName(status);
            if (!problemResponses.has(name)) {
                ObjectNode response = NODES.objectNode();
                response.put("description", problemDescription(status));
                ObjectNode headers = requestIdOnly();
                if (status == 401) {
                    optionalHeader(
                            headers,
                            "WWW-Authenticate",
                            "The bearer challenge, with `error=\"invalid_token\"` for a token that does not verify");
                }
                if (status == 429 || status == 503) {
                    optionalHeader(headers, "Retry-After", "Seconds to wait before retrying")
                            .set("schema", JsonSchemas.integer().put("minimum", 0));
                }
                response.set("headers", headers);
                response.putObject("content")
                        .putObject(PROBLEM_JSON)
                        .putObject("schema")
                        .put("$ref", "#/components/schemas/Problem");
                problemResponses.set(name, response);
            }
            return NODES.objectNode().put("$ref", "#/components/responses/" + name);
        }

        private static ObjectNode optionalHeader(ObjectNode headers, String name, String description) {
            ObjectNode header = headers.putObject(name);
            header.put("description", description);
            header.put("required", false);
            header.set("schema", JsonSchemas.string());
            return header;
        }

        private static String problemResponseName(int status) {
            String words = ProblemException.reasonPhrase(status).replaceAll("[^A-Za-z0-9]", "");
            return words.isEmpty() ? "Problem" + status : words;
        }

        private static String problemDescription(int status) {
            String reason = ProblemException.reasonPhrase(status);
            return switch (status) {
                case 400 -> reason + ": a malformed request, or invalid fields (listed under `errors`)";
                case 401 -> reason + ": no valid bearer token (a login route: wrong credentials)";
                case 403 -> reason + ": the token lacks a scope the operation needs";
                case 413 -> reason + ": the body is larger than the limit (`limits.max-body-size`)";
                case 415 -> reason + ": the body is not `application/json`";
                case 500 -> reason + ": an unexpected error; details are only in the server log, under the requestId";
                case 503 ->
                    reason + ": the service is starting, stopping, paused or overloaded, or its store does not answer";
                case 507 -> reason + ": the store's disk is full; the change was not applied, reads still work";
                default -> reason;
            };
        }

        private ObjectNode requestIdOnly() {
            ObjectNode headers = NODES.objectNode();
            headers.putObject(REQUEST_ID).put("$ref", "#/components/headers/" + REQUEST_ID);
            return headers;
        }

        private static ObjectNode requestIdSchema() {
            return JsonSchemas.string()
                    .put("minLength", 1)
                    .put("maxLength", RequestIds.MAX_LENGTH)
                    .put("pattern", "^[A-Za-z0-9._:@/+=-]+$");
        }

        private static ObjectNode requestIdParameter() {
            ObjectNode parameter = NODES.objectNode();
            parameter.put("name", REQUEST_ID);
            parameter.put("in", "header");
            parameter.put(
                    "description",
                    "A client's id for this request, echoed in the response and the logs when it matches the schema"
                            + " (otherwise the service generates one)");
            parameter.put("required", false);
            parameter.set("schema", requestIdSchema());
            return parameter;
        }

        private static ObjectNode requestIdHeader() {
            ObjectNode header = NODES.objectNode();
            header.put("description", "The request's id: the client's valid one, or a generated one; also in the logs");
            header.put("required", true);
            header.set("schema", requestIdSchema());
            return header;
        }

        private static ObjectNode securityScheme() {
            ObjectNode scheme = NODES.objectNode();
            scheme.put("type", "http");
            scheme.put("scheme", "bearer");
            scheme.put("bearerFormat", "JWT");
            scheme.put(
                    "description",
                    "A JWT whose `scope` claim (space-separated) holds every scope an operation lists under"
                            + " `security`. Missing or invalid token: 401; valid token without a needed scope: 403.");
            return scheme;
        }

        /** The problem body as {@link ProblemResponses} writes it. */
        private void problemSchemas() {
            if (problemResponses.isEmpty()) {
                return;
            }
            ObjectNode fieldError = JsonSchemas.object("FieldError")
                    .description("One invalid field of a request body")
                    .required("field", JsonSchemas.string().put("minLength", 1))
                    .required("message", JsonSchemas.string())
                    .build();
            ObjectNode problem = JsonSchemas.object("Problem")
                    .description("An RFC 9457 problem, with the request's id")
                    .required("type", JsonSchemas.string().put("format", "uri-reference"))
                    .required("title", JsonSchemas.string())
                    .required(
                            "status", JsonSchemas.integer().put("minimum", 400).put("maximum", 599))
                    .required("detail", JsonSchemas.string())
                    .optional("instance", JsonSchemas.string())
                    .required("requestId", requestIdSchema())
                    .optional(
                            "errors",
                            JsonSchemas.array(fieldError)
                                    .put("minItems", 1)
                                    .put("description", "Every invalid field, on a validation problem"))
                    .build();
            hoist(problem);
        }

        /**
         * A copy of {@code schema} in which every object schema with a {@code title} is replaced by a reference to
         * its component, which is registered (once) under that title.
         */
        private JsonNode hoist(JsonNode schema) {
            if (schema.isArray()) {
                ArrayNode copy = NODES.arrayNode();
                schema.forEach(item -> copy.add(hoist(item)));
                return copy;
            }
            if (!schema.isObject()) {
                return schema.deepCopy();
            }
            ObjectNode copy = NODES.objectNode();
            schema.properties().forEach(field -> copy.set(field.getKey(), hoist(field.getValue())));
            JsonNode title = schema.get("title");
            if (title == null || !title.isTextual()) {
                return copy;
            }
            String name = title.asText();
            if (!COMPONENT_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Schema title \"" + name + "\" cannot name a component; use letters,"
                        + " digits, '.', '_' and '-' only");
            }
            JsonNode existing = schemas.get(name);
            if (existing != null && !existing.equals(copy)) {
                throw new IllegalArgumentException("Two different schemas are titled \"" + name
                        + "\"; give one another title (the title names its component in the OpenAPI document)");
            }
            schemas.set(name, copy);
            return NODES.objectNode().put("$ref", "#/components/schemas/" + name);
        }

        private String derivedOperationId(Route route) {
            StringBuilder id = new StringBuilder(route.method().text().toLowerCase(Locale.ROOT));
            for (String segment : route.pathTemplate().split("/")) {
                Matcher parameter = TEMPLATE_PARAMETER.matcher(segment);
                String word = parameter.matches() ? "By" + capitalized(parameter.group(1)) : segment;
                for (String part : word.split("[^A-Za-z0-9]+")) {
                    id.append(capitalized(part));
                }
            }
            return id.toString();
        }

        private static String capitalized(String word) {
            return word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
        }

        /** Helidon's {@code {name:regex}} becomes OpenAPI's {@code {name}}. */
        private static String openApiPath(String template) {
            return TEMPLATE_PARAMETER.matcher(template).replaceAll("{$1}");
        }
    }
}
