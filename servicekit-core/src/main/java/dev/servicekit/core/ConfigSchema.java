package dev.servicekit.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The complete set of configuration keys an application accepts, in documentation order, plus
 * cross-key checks. A key that is not in the schema is an error ("did you mean ...?"), so a typo never
 * silently falls back to a default.
 *
 * {@snippet :
 * ConfigSchema schema = ConfigSchema.builder()
 *         .add(CoreConfigKeys.all())
 *         .add(MyKeys.all())
 *         .check(config -> config.get(A) > config.get(B)
 *                 ? List.of(new ConfigProblem("a", "config", "must not exceed b"))
 *                 : List.of())
 *         .build();
 * }
 */
public final class ConfigSchema {

    private final Map<String, ConfigKey<?>> keys;
    private final List<Function<Config, List<ConfigProblem>>> checks;

    private ConfigSchema(Map<String, ConfigKey<?>> keys, List<Function<Config, List<ConfigProblem>>> checks) {
        this.keys = keys;
        this.checks = checks;
    }

    /** Starts a schema. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every key, in documentation order. */
    public Collection<ConfigKey<?>> keys() {
        return keys.values();
    }

    /** The key with this exact name. */
    public Optional<ConfigKey<?>> key(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    /** The known key nearest to a misspelt name, if any is close. */
    public Optional<String> suggest(String unknownName) {
        return Suggestions.nearest(unknownName, keys.keySet());
    }

    List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Function<Config, List<ConfigProblem>> check : checks) {
            try {
                problems.addAll(check.apply(config));
            } catch (Config.UnparsedKey e) {
                // The check reads a key whose value did not parse; that key's problem is listed already.
            }
        }
        return problems;
    }

    /** Builds a {@link ConfigSchema}. */
    public static final class Builder {
        private final Map<String, ConfigKey<?>> keys = new LinkedHashMap<>();
        private final List<Function<Config, List<ConfigProblem>>> checks = new ArrayList<>();

        private Builder() {}

        /** Adds keys; a name may appear only once. */
        public Builder add(Collection<? extends ConfigKey<?>> more) {
            for (ConfigKey<?> key : more) {
                if (keys.putIfAbsent(key.name(), key) != null) {
                    throw new IllegalArgumentException("Config key \"" + key.name() + "\" is defined twice");
                }
            }
            return this;
        }

        /** Adds keys. */
        public Builder add(ConfigKey<?>... more) {
            return add(List.of(more));
        }

        /**
         * Adds a check across keys, which returns its problems. When some keys did not parse, the check still runs
         * (so that one load lists every problem) unless it reads one of them: then it is skipped, since it could
         * only judge a default in that value's place.
         */
        public Builder check(Function<Config, List<ConfigProblem>> check) {
            checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** Builds the schema. */
        public ConfigSchema build() {
            return new ConfigSchema(new LinkedHashMap<>(keys), List.copyOf(checks));
        }
    }
}
