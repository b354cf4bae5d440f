package dev.servicekit.http;

import io.helidon.common.parameters.Parameters;
import io.helidon.common.uri.UriPath;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.http.RoutedPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route's path matcher for the templates routes use: literal segments and whole-segment parameters such as
 * {@code /api/v1/users/{id}}. It accepts exactly the paths Helidon's pattern matcher ({@link PathMatchers#create})
 * accepts for such a template, with the same parameters, by comparing segments instead of running a regular
 * expression on every request. On a GET by id with the shipped defaults, Helidon's matcher (its expression and the
 * map of parameters it builds) was 4.0–5.2 % of the server's CPU samples and this one is 2.4–2.7 %
 * (docs/performance.md, "What was changed for speed and footprint"). {@link #create} gives
 * Helidon's own matcher for every other template: no parameter (Helidon's exact match is already a string
 * comparison), a parameter with its own expression ({@code {id:\d+}}), a greedy one ({@code {+path}}), {@code *},
 * optional parts ({@code [...]}) or escapes. {@code SegmentPathMatcherTest} compares the two on generated templates
 * and paths.
 */
final class SegmentPathMatcher implements PathMatcher {

    private final String template;
    /** Per segment of the template (split at every {@code /}): its text, or {@code null} for a parameter. */
    private final String[] literals;
    /** The parameters' names in the order of their segments. */
    private final String[] parameterNames;
    /** Helidon's matcher for the same template: prefix matching, which a route's own match does not use. */
    private final PathMatcher helidon;

    private SegmentPathMatcher(String template, String[] literals, String[] parameterNames) {
        this.template = template;
        this.literals = literals;
        this.parameterNames = parameterNames;
        this.helidon = PathMatchers.create(template);
    }

    /**
     * The matcher for a route's path template.
     *
     * @param template the template, as Helidon reads it
     * @return a {@code SegmentPathMatcher} for a template of literal segments and plain {@code {name}} segments with
     *     at least one parameter, else Helidon's matcher for it
     */
    static PathMatcher create(String template) {
        String[] literals = template.split("/", -1); // every segment, empty ones included; parameters become null
        List<String> names = new ArrayList<>();
        for (int i = 0; i < literals.length; i++) {
            String segment = literals[i];
            String name = parameterName(segment);
            if (name != null) {
                if (!plainName(name)) {
                    return PathMatchers.create(template);
                }
                names.add(name);
                literals[i] = null;
            } else if (!plainLiteral(segment)) {
                return PathMatchers.create(template);
            }
        }
        // No parameter: Helidon's exact match. A name twice: Helidon keeps one of the two values.
        if (names.isEmpty() || new HashSet<>(names).size() != names.size()) {
            return PathMatchers.create(template);
        }
        return new SegmentPathMatcher(template, literals, names.toArray(new String[0]));
    }

    /** The text inside a whole-segment parameter ({@code id} of {@code {id}}), or null for any other segment. */
    static String parameterName(String segment) {
        return segment.length() > 2 && segment.charAt(0) == '{' && segment.charAt(segment.length() - 1) == '}'
                ? segment.substring(1, segment.length() - 1)
                : null;
    }

    /** A parameter name Helidon reads as it is: plain text without a modifier, an expression or surrounding space. */
    static boolean plainName(String name) {
        return !name.isEmpty()
                && name.equals(name.trim())
                && name.charAt(0) != '+'
                && name.indexOf(':') < 0
                && plainLiteral(name);
    }

    /** Text that Helidon's pattern matcher compares as it is: none of its template syntax. */
    private static boolean plainLiteral(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '}' || c == '[' || c == ']' || c == '*' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    @Override
    public PathMatchers.MatchResult match(UriPath uriPath) {
        String path = uriPath.path(); // decoded, as Helidon's pattern matcher reads it
        String[] values = null;
        int value = 0;
        int start = 0;
        for (int s = 0; s < literals.length; s++) {
            int end = path.indexOf('/', start);
            boolean last = s == literals.length - 1;
            if (last != (end < 0)) {
                return PathMatchers.MatchResult.notAccepted(); // more or fewer segments than the template
            }
            if (last) {
                end = path.length();
            }
            String literal = literals[s];
            if (literal != null) {
                if (literal.length() != end - start || !path.startsWith(literal, start)) {
                    return PathMatchers.MatchResult.notAccepted();
                }
            } else {
                if (end == start) {
                    return PathMatchers.MatchResult.notAccepted(); // a parameter is never empty
                }
                if (values == null) {
                    values = new String[parameterNames.length];
                }
                values[value++] = path.substring(start, end);
            }
            start = end + 1;
        }
        return new PathMatchers.MatchResult(true, new ParameterPath(uriPath, new PathParameters(map(values))));
    }

    /** The parameters by name; {@code Map.of} for the usual one or two, which Helidon's parameters keep as given. */
    private Map<String, String> map(String[] values) {
        if (values.length == 1) {
            return Map.of(parameterNames[0], values[0]);
        }
        if (values.length == 2) {
            return Map.of(parameterNames[0], values[0], parameterNames[1], values[1]);
        }
        Map<String, String> map = new HashMap<>(values.length * 2);
        for (int i = 0; i < values.length; i++) {
            map.put(parameterNames[i], values[i]);
        }
        return map;
    }

    @Override
    public PathMatchers.PrefixMatchResult prefixMatch(UriPath uriPath) {
        return helidon.prefixMatch(uriPath);
    }

    @Override
    public Optional<String> matchingElement() {
        return Optional.of(template);
    }

    @Override
    public String toString() {
        return "segments: " + template;
    }

    /** The request's path with the template's parameters. */
    private record ParameterPath(UriPath uriPath, Parameters pathParameters) implements RoutedPath {

        @Override
        public String rawPath() {
            return uriPath.rawPath();
        }

        @Override
        public String rawPathNoParams() {
            return uriPath.rawPathNoParams();
        }

        @Override
        public String path() {
            return uriPath.path();
        }

        @Override
        public Parameters matrixParameters() {
            return uriPath.matrixParameters();
        }

        @Override
        public void validate() {
            uriPath.validate();
        }

        @Override
        public RoutedPath absolute() {
            return new ParameterPath(uriPath.absolute(), pathParameters);
        }

        @Override
        public String toString() {
            return uriPath + " (" + pathParameters + ")";
        }
    }
}
