package dev.servicekit.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a {@link Route} tells about itself for the generated OpenAPI 3.1 document ({@code GET /openapi.yaml}): a
 * summary, its parameters, the JSON schema of its request body, its success responses and the error statuses it
 * answers with a problem. Built through {@link Route}'s methods ({@link Route#summary}, {@link Route#response},
 * {@link Route#problems}, …); a route that says nothing still appears, with a generic 200.
 *
 * <p>The toolkit adds what it does itself, so a route does not repeat it: the {@code X-Request-Id} header on every
 * request and response, path parameters of the template that the route does not describe, 400/413/415 on a route
 * with a request body, 401/403 on a route with scopes (auth on), 500 and 503 on every route.
 *
 * @param summary       one line, empty for none (the document then shows the method and path)
 * @param description   longer text (CommonMark), empty for none
 * @param operationId   a unique name for the operation; empty: derived from the method and path
 * @param parameters    query, path and header parameters
 * @param requestSchema the JSON schema of the request body; empty: the route reads no body
 * @param responses     success (and other non-problem) responses by status
 * @param problems      error statuses the route answers with {@code application/problem+json}
 */
public record RouteDoc(
        String summary,
        String description,
        Optional<String> operationId,
        List<Parameter> parameters,
        Optional<JsonNode> requestSchema,
        SortedMap<Integer, Response> responses,
        SortedSet<Integer> problems) {

    /** A route that describes nothing yet. */
    public static final RouteDoc NONE = new RouteDoc(
            "",
            "",
            Optional.empty(),
            List.of(),
            Optional.empty(),
            Collections.emptySortedMap(),
            Collections.emptySortedSet());

    /** Validates and copies the parts. */
    public RouteDoc {
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(operationId, "operationId");
        parameters = List.copyOf(parameters);
        requestSchema = requestSchema.map(JsonNode::deepCopy);
        responses = Collections.unmodifiableSortedMap(new TreeMap<>(responses));
        problems = Collections.unmodifiableSortedSet(new TreeSet<>(problems));
        for (int status : problems) {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("Problem status " + status
                        + " is not an error status; list 4xx and 5xx statuses in problems(..)"
                        + " and other statuses with response(..)");
            }
            if (responses.containsKey(status)) {
                throw new IllegalArgumentException(
                        "Status " + status + " is declared both as a response and as a problem;" + " declare it once");
            }
        }
    }

    RouteDoc withSummary(String text) {
        return new RouteDoc(text, description, operationId, parameters, requestSchema, responses, problems);
    }

    RouteDoc withDescription(String text) {
        return new RouteDoc(summary, text, operationId, parameters, requestSchema, responses, problems);
    }

    RouteDoc withOperationId(String id) {
        return new RouteDoc(summary, description, Optional.of(id), parameters, requestSchema, responses, problems);
    }

    RouteDoc withParameter(Parameter parameter) {
        List<Parameter> more = new ArrayList<>(parameters);
        for (Parameter existing : parameters) {
            if (existing.in().equals(parameter.in()) && existing.name().equalsIgnoreCase(parameter.name())) {
                throw new IllegalArgumentException(
                        "Parameter \"" + parameter.name() + "\" in " + parameter.in() + " is declared twice");
            }
        }
        more.add(parameter);
        return new RouteDoc(summary, description, operationId, more, requestSchema, responses, problems);
    }

    RouteDoc withRequestSchema(JsonNode schema) {
        return new RouteDoc(summary, description, operationId, parameters, Optional.of(schema), responses, problems);
    }

    RouteDoc withResponse(Response response) {
        if (responses.containsKey(response.status())) {
            throw new IllegalArgumentException("Response " + response.status() + " is declared twice");
        }
        SortedMap<Integer, Response> more = new TreeMap<>(responses);
        more.put(response.status(), response);
        return new RouteDoc(summary, description, operationId, parameters, requestSchema, more, problems);
    }

    RouteDoc withProblems(int... statuses) {
        SortedSet<Integer> more = new TreeSet<>(problems);
        for (int status : statuses) {
            more.add(status);
        }
        return new RouteDoc(summary, description, operationId, parameters, requestSchema, responses, more);
    }

    /**
     * A request parameter.
     *
     * @param in          {@code query}, {@code path} or {@code header}
     * @param name        its name
     * @param description what it means, its default and its limits
     * @param required    whether a request must carry it (always true in {@code path})
     * @param schema      the JSON schema of its value
     */
    public record Parameter(String in, String name, String description, boolean required, JsonNode schema) {

        private static final Set<String> LOCATIONS = Set.of("query", "path", "header");

        /** Validates the parts. */
        public Parameter {
            Objects.requireNonNull(in, "in");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            schema = Objects.requireNonNull(schema, "schema").deepCopy();
            if (!LOCATIONS.contains(in)) {
                throw new IllegalArgumentException(
                        "Parameter \"" + name + "\" is in \"" + in + "\"; use one of " + LOCATIONS);
            }
            if (in.equals("path") && !required) {
                throw new IllegalArgumentException("Path parameter \"" + name + "\" must be required");
            }
        }

        /** An optional query parameter. */
        public static Parameter query(String name, String description, JsonNode schema) {
            return new Parameter("query", name, description, false, schema);
        }

        /** A path parameter, named as in the route's template ({@code {id}} → {@code id}). */
        public static Parameter path(String name, String description, JsonNode schema) {
            return new Parameter("path", name, description, true, schema);
        }

        /** An optional request header. */
        public static Parameter header(String name, String description, JsonNode schema) {
            return new Parameter("header", name, description, false, schema);
        }

        /** This parameter, required. */
        public Parameter asRequired() {
            return new Parameter(in, name, description, true, schema);
        }
    }

    /**
     * A response that is not a problem.
     *
     * @param status      its status code
     * @param description what it means
     * @param content     body schemas by media type; empty: no body
     * @param headers     headers it carries (besides {@code X-Request-Id}, which every response has)
     */
    public record Response(int status, String description, Map<String, JsonNode> content, List<Header> headers) {

        /** Validates and copies the parts. */
        public Response {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("Response status " + status + " is not an HTTP status (100..599)");
            }
            Objects.requireNonNull(description, "description");
            Map<String, JsonNode> copy = new LinkedHashMap<>();
            content.forEach((type, schema) -> copy.put(type, schema.deepCopy()));
            content = Collections.unmodifiableMap(copy);
            headers = List.copyOf(headers);
        }

        /** A response without a body or headers. */
        public static Response of(int status, String description) {
            return new Response(status, description, Map.of(), List.of());
        }

        /** This response with a JSON body ({@code application/json}) of the schema. */
        public Response json(JsonNode schema) {
            return content("application/json", schema);
        }

        /** This response with a body of the media type and schema. */
        public Response content(String mediaType, JsonNode schema) {
            Map<String, JsonNode> more = new LinkedHashMap<>(content);
            more.put(Objects.requireNonNull(mediaType, "mediaType"), Objects.requireNonNull(schema, "schema"));
            return new Response(status, description, more, headers);
        }

        /** This response with a header it always carries. */
        public Response header(String name, String headerDescription, JsonNode schema) {
            List<Header> more = new ArrayList<>(headers);
            more.add(new Header(name, headerDescription, schema, true));
            return new Response(status, description, content, more);
        }
    }

    /**
     * A response header.
     *
     * @param name        its name
     * @param description what it carries
     * @param schema      the JSON schema of its value
     * @param required    whether the response always carries it
     */
    public record Header(String name, String description, JsonNode schema, boolean required) {

        /** Validates the parts. */
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            schema = Objects.requireNonNull(schema, "schema").deepCopy();
        }
    }
}
