package dev.servicekit.core;

import java.util.List;
import java.util.Objects;

/**
 * One immutable snapshot of an extra configuration source that sits between the YAML file and the
 * environment (etcd is one: {@link EtcdConfigSource#layer()}). {@link ConfigLoader} treats its values exactly
 * like the file's: unknown keys and values that do not parse are {@link ConfigProblem}s naming the value's
 * source; the layer's own {@code problems} (e.g. "a required source is unreachable") are reported with them.
 *
 * {@snippet :
 * ConfigLayer layer = new ConfigLayer("etcd", List.of(
 *         new ConfigLayer.Value("log.level", "debug", "etcd http://127.0.0.1:2379 /users-service/config/log.level")),
 *         List.of());
 * Config config = ConfigLoader.builder(schema).file(file, false).layer(layer).build().load();
 * }
 *
 * @param name     what the layer is, for logs (e.g. {@code etcd})
 * @param values   raw values, later entries win over earlier ones for the same key
 * @param problems problems found while reading the source itself
 */
public record ConfigLayer(String name, List<Value> values, List<ConfigProblem> problems) {

    /** Checks for nulls and copies the lists. */
    public ConfigLayer {
        Objects.requireNonNull(name, "name");
        values = List.copyOf(values);
        problems = List.copyOf(problems);
    }

    /**
     * One raw value.
     *
     * @param key    the dotted configuration key, e.g. {@code limits.max-body-size}
     * @param raw    the text to parse with the key's type
     * @param source where it came from, quoted in problems and shown by {@code config show}'s sources
     */
    public record Value(String key, String raw, String source) {
        /** Checks for nulls. */
        public Value {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(raw, "raw");
            Objects.requireNonNull(source, "source");
        }
    }
}
