package dev.servicekit.http;

import io.helidon.common.GenericType;
import io.helidon.common.mapper.Mappers;
import io.helidon.common.mapper.OptionalValue;
import io.helidon.common.mapper.Value;
import io.helidon.common.parameters.Parameters;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The path parameters {@link SegmentPathMatcher} gives a request: what Helidon's
 * {@code Parameters.createSingleValueMap("http/path", map)} gives, without splitting {@code "http/path"} into its
 * qualifiers again for every request (Helidon's constructor does; it was 2.5 % of the CPU of a GET by id). The values
 * and their conversions ({@code first("id").asInt()}) are Helidon's: the same {@link Value}s on the same default
 * mappers. {@code SegmentPathMatcherTest} holds the two to the same answers.
 */
final class PathParameters implements Parameters {

    static final String COMPONENT = "http/path";

    private static final String[] QUALIFIERS = COMPONENT.split("/");

    private final Map<String, String> params;

    PathParameters(Map<String, String> params) {
        this.params = params;
    }

    @Override
    public List<String> all(String name) {
        return List.of(get(name));
    }

    @Override
    public List<Value<String>> allValues(String name) {
        return List.of(Value.create(DefaultMappers.MAPPERS, name, get(name), QUALIFIERS));
    }

    @Override
    public String get(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new NoSuchElementException(
                    "This " + COMPONENT + " does not contain parameter named \"" + name + "\"");
        }
        return value;
    }

    @Override
    public OptionalValue<String> first(String name) {
        String value = params.get(name);
        return value == null
                ? OptionalValue.createEmpty(name, QUALIFIERS)
                : OptionalValue.create(DefaultMappers.MAPPERS, name, value, GenericType.STRING, QUALIFIERS);
    }

    @Override
    public boolean contains(String name) {
        return params.containsKey(name);
    }

    @Override
    public int size() {
        return params.size();
    }

    @Override
    public Set<String> names() {
        return Set.copyOf(params.keySet());
    }

    @Override
    public String component() {
        return COMPONENT;
    }

    @Override
    public String toString() {
        return COMPONENT + ": " + params;
    }

    /** Helidon's default mappers, as its parameters use them; made on the first conversion, not at start. */
    private static final class DefaultMappers {
        static final Mappers MAPPERS = Mappers.create();
    }
}
