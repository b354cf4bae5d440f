package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.helidon.common.mapper.OptionalValue;
import io.helidon.common.mapper.Value;
import io.helidon.common.parameters.Parameters;
import io.helidon.common.uri.UriPath;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SegmentPathMatcherTest {

    /** Segment texts for templates and paths: plain words, characters Helidon escapes, encoded and odd ones. */
    private static final List<String> WORDS = List.of(
            "api",
            "v1",
            "users",
            "a.b",
            "x-y",
            "é",
            "%20",
            "a%2Fb",
            "+",
            "$",
            "(x)",
            "a=b",
            "!",
            "|",
            "^",
            "<>",
            "?",
            "",
            "5",
            "users.json",
            " ",
            "\t",
            "\n",
            "ü%C3%BC");

    @Test
    void segmentTemplatesAcceptExactlyWhatHelidonsPatternMatcherAccepts() {
        Random random = new Random(20261205L);
        int segmentMatchers = 0;
        int accepted = 0;
        for (int t = 0; t < 2_000; t++) {
            List<String> templateSegments = new ArrayList<>();
            int count = 1 + random.nextInt(4);
            for (int s = 0; s < count; s++) {
                templateSegments.add(
                        random.nextInt(3) == 0 ? "{p" + s + "}" : WORDS.get(random.nextInt(WORDS.size() - 6)));
            }
            String template = "/" + String.join("/", templateSegments);
            PathMatcher ours = SegmentPathMatcher.create(template);
            PathMatcher helidons = PathMatchers.create(template);
            if (ours instanceof SegmentPathMatcher) {
                segmentMatchers++;
            }
            for (int p = 0; p < 40; p++) {
                String path = pathFor(templateSegments, random);
                if (!decodable(path)) {
                    continue; // Helidon's server answers such a request 400 before any route sees it
                }
                PathMatchers.MatchResult expected = helidons.match(UriPath.create(path));
                PathMatchers.MatchResult actual = ours.match(UriPath.create(path));
                assertThat(actual.accepted())
                        .as("template %s, path %s", template, path)
                        .isEqualTo(expected.accepted());
                if (expected.accepted()) {
                    accepted++;
                    assertThat(actual.path().pathParameters().toMap())
                            .as("template %s, path %s", template, path)
                            .isEqualTo(expected.path().pathParameters().toMap());
                    assertThat(actual.path().path()).isEqualTo(expected.path().path());
                    assertThat(actual.path().rawPath())
                            .isEqualTo(expected.path().rawPath());
                }
            }
        }
        // The generator must exercise both sides: the segment matcher, and paths that match and that do not.
        assertThat(segmentMatchers).isGreaterThan(500);
        assertThat(accepted).isGreaterThan(5_000);
    }

    private static boolean decodable(String path) {
        try {
            UriPath.create(path).path();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A path near the template: mostly its own shape with parameters filled in, sometimes one segment off. */
    private static String pathFor(List<String> templateSegments, Random random) {
        List<String> segments = new ArrayList<>();
        for (String segment : templateSegments) {
            segments.add(segment.startsWith("{") ? WORDS.get(random.nextInt(WORDS.size())) : segment);
        }
        switch (random.nextInt(6)) {
            case 0 -> segments.add(WORDS.get(random.nextInt(WORDS.size())));
            case 1 -> segments.remove(segments.size() - 1);
            case 2 -> segments.set(random.nextInt(segments.size()), "zz");
            default -> {}
        }
        String path = "/" + String.join("/", segments);
        return random.nextInt(10) == 0 ? path + "/" : path;
    }

    @Test
    void readsTheParametersOfARouteTemplate() {
        PathMatcher matcher = SegmentPathMatcher.create("/api/v1/users/{id}/roles/{role}");

        PathMatchers.MatchResult result = matcher.match(UriPath.create("/api/v1/users/42/roles/admin%20x"));

        assertThat(matcher).isInstanceOf(SegmentPathMatcher.class);
        assertThat(result.accepted()).isTrue();
        assertThat(result.path().pathParameters().get("id")).isEqualTo("42");
        assertThat(result.path().pathParameters().get("role")).isEqualTo("admin x");
        assertThat(matcher.matchingElement()).contains("/api/v1/users/{id}/roles/{role}");
        assertThat(matcher.match(UriPath.create("/api/v1/users//roles/admin")).accepted())
                .isFalse();
        assertThat(matcher.match(UriPath.create("/api/v1/users/42/roles/admin/"))
                        .accepted())
                .isFalse();
        assertThat(matcher.match(UriPath.create("/api/v1/users/4%2F2/roles/admin"))
                        .accepted())
                .isFalse();
    }

    @Test
    void leavesEveryOtherTemplateToHelidon() {
        for (String template : List.of(
                "/api/v1/users",
                "/api/v1/users/{id:\\d+}",
                "/files/{+path}",
                "/files/*",
                "/a/{*}",
                "/a[/b]/{id}",
                "/a/\\{x}/{id}",
                "/a/{ id }",
                "/a/{id}/{id}",
                "/a/x{id}",
                "/a/{id}.json")) {
            assertThat(SegmentPathMatcher.create(template)).as(template).isNotInstanceOf(SegmentPathMatcher.class);
        }
    }

    @Test
    void prefixMatchingIsHelidons() {
        PathMatcher matcher = SegmentPathMatcher.create("/api/{version}");

        PathMatchers.PrefixMatchResult result = matcher.prefixMatch(UriPath.create("/api/v1/users"));

        assertThat(result.accepted()).isTrue();
        assertThat(result.unmatchedPath().path()).isEqualTo("/users");
        assertThat(result.matchedPath().pathParameters().get("version")).isEqualTo("v1");
    }

    @Test
    void pathParametersAnswerAsHelidonsDo() {
        for (Map<String, String> map :
                List.of(Map.of("id", "42"), Map.of("id", "x", "role", "admin x"), Map.<String, String>of())) {
            Parameters helidons = Parameters.createSingleValueMap("http/path", map);
            Parameters ours = new PathParameters(map);
            assertThat(ours.component()).isEqualTo(helidons.component());
            assertThat(ours.size()).isEqualTo(helidons.size());
            assertThat(ours.isEmpty()).isEqualTo(helidons.isEmpty());
            assertThat(ours.names()).isEqualTo(helidons.names());
            assertThat(ours.toMap()).isEqualTo(helidons.toMap());
            assertThat(ours.toString()).isEqualTo(helidons.toString());
            for (String name : List.of("id", "role", "missing")) {
                for (Function<Parameters, Object> read : List.<Function<Parameters, Object>>of(
                        p -> p.contains(name),
                        p -> p.get(name),
                        p -> p.all(name),
                        p -> p.all(name, List::of),
                        p -> p.allValues(name).stream()
                                .map(SegmentPathMatcherTest::describe)
                                .toList(),
                        p -> describe(p.first(name)),
                        p -> p.first(name).map(String::length).orElse(-1))) {
                    assertThat(answer(read, ours)).as("%s of %s", name, map).isEqualTo(answer(read, helidons));
                }
            }
        }
        assertThat(new PathParameters(Map.of("id", "42")).first("id").asInt().get())
                .isEqualTo(42);
    }

    /** The value read, or the exception's type and message. */
    private static Object answer(Function<Parameters, Object> read, Parameters parameters) {
        Throwable thrown = catchThrowable(() -> read.apply(parameters));
        return thrown == null ? read.apply(parameters) : thrown.getClass().getName() + ": " + thrown.getMessage();
    }

    private static String describe(Value<String> value) {
        return value.name() + "=" + value.get();
    }

    private static String describe(OptionalValue<String> value) {
        return value.name() + "=" + value.orElse("<empty>") + " present=" + value.isPresent();
    }
}
