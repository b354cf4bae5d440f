package dev.servicekit.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A validated, immutable configuration: every key of its {@link ConfigSchema} with the value that won
 * (default &lt; file &lt; environment &lt; {@code --set}) and where it came from. Safe to share between
 * threads; a reload builds a new instance and swaps it.
 */
public final class Config {

    /** The text that replaces secret values in every output. */
    public static final String MASK = "******";

    private final ConfigSchema schema;
    private final Map<String, Object> values;
    private final Map<String, String> sources;
    private final Set<String> unparsed;

    Config(ConfigSchema schema, Map<String, Object> values, Map<String, String> sources) {
        this(schema, values, sources, Set.of());
    }

    /**
     * A configuration some of whose keys did not parse: only for running the checks that do not read them, so that
     * one load lists every problem ({@link ConfigLoader#load()}); reading such a key throws {@link UnparsedKey}.
     */
    Config(ConfigSchema schema, Map<String, Object> values, Map<String, String> sources, Set<String> unparsed) {
        this.schema = schema;
        this.values = Map.copyOf(values);
        this.sources = Map.copyOf(sources);
        this.unparsed = Set.copyOf(unparsed);
    }

    /** The schema this configuration was validated against. */
    public ConfigSchema schema() {
        return schema;
    }

    /**
     * The value of a key that always has one (set, or defaulted).
     *
     * @throws IllegalArgumentException if the key is not in the schema or has neither value nor default
     */
    public <T> T get(ConfigKey<T> key) {
        return find(key)
                .orElseThrow(() -> new IllegalArgumentException(
                        "Config key \"" + key.name() + "\" has no value and no default; use find() for optional keys"));
    }

    /** The value of a key, or its default (fixed or derived from other keys), or empty for an unset optional key. */
    public <T> Optional<T> find(ConfigKey<T> key) {
        Objects.requireNonNull(key, "key");
        if (schema.key(key.name()).isEmpty()) {
            throw new IllegalArgumentException(
                    "Config key \"" + key.name() + "\" is not part of this configuration's schema; declare it with the"
                            + " application's keys (HttpApplication.configKeys(),"
                            + " or ServiceApplication.configSchema())");
        }
        if (unparsed.contains(key.name())) {
            throw new UnparsedKey(key.name());
        }
        @SuppressWarnings("unchecked")
        T value = (T) values.get(key.name());
        if (value != null) {
            return Optional.of(value);
        }
        return key.defaultValue().or(() -> key.derivedDefault().map(compute -> compute.apply(this)));
    }

    /**
     * This configuration with the values (and sources) of the named keys taken from {@code next} and every other key
     * kept: what is really in effect after a reload that applied those keys. Keeping the running values of the rest
     * is what lets a later reload still report a pending restart-only change.
     */
    Config withKeysOf(Config next, Set<String> names) {
        Objects.requireNonNull(next, "next");
        Objects.requireNonNull(names, "names");
        Map<String, Object> mergedValues = new java.util.HashMap<>();
        Map<String, String> mergedSources = new java.util.HashMap<>();
        for (ConfigKey<?> key : schema.keys()) {
            Config from = names.contains(key.name()) ? next : this;
            Object value = from.values.get(key.name());
            if (value != null) {
                mergedValues.put(key.name(), value);
            }
            String source = from.sources.get(key.name());
            if (source != null) {
                mergedSources.put(key.name(), source);
            }
        }
        return new Config(schema, mergedValues, mergedSources);
    }

    /** Whether the key's value did not parse (only in the configuration {@link ConfigLoader#load()} checks on failure). */
    boolean isUnparsed(ConfigKey<?> key) {
        return unparsed.contains(key.name());
    }

    /**
     * Thrown by {@link #find} for a key whose value did not parse: a check that reads it cannot judge the combination,
     * so the loader skips that check; the key's own problem is already listed.
     */
    static final class UnparsedKey extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnparsedKey(String name) {
            super("Config key \"" + name + "\" did not parse", null, false, false);
        }
    }

    /** Where the key's value came from: {@code default}, a file name, {@code environment NAME}, or {@code --set}. */
    public String source(ConfigKey<?> key) {
        return sources.getOrDefault(key.name(), "default");
    }

    /**
     * The effective configuration as a nested map in schema order (for {@code config show}); secret values
     * are replaced by {@link #MASK}. Optional keys without a value are left out.
     */
    public Map<String, Object> toMap() {
        return toMap(true);
    }

    /**
     * A short, stable hash of the effective configuration (SHA-256, first 12 hex digits), shown in status
     * output so operators can tell whether two instances run the same configuration. Secret values count only as
     * set ({@link #MASK}), never by their text: the hash is shown to every admin, who could otherwise test guesses
     * of a secret (a keystore password) against it offline. So a change of a secret alone keeps the hash.
     */
    public String hash() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            toFlatText(digest);
            return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private void toFlatText(MessageDigest digest) {
        for (ConfigKey<?> key : schema.keys()) {
            find(key)
                    .ifPresent(v -> digest.update((key.name() + "=" + (key.secret() ? MASK : formatted(key, v)) + "\n")
                            .getBytes(StandardCharsets.UTF_8)));
        }
    }

    Map<String, Object> toMap(boolean mask) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (ConfigKey<?> key : schema.keys()) {
            Optional<?> value = find(key);
            if (value.isEmpty()) {
                continue;
            }
            Object shown = key.secret() && mask ? MASK : formatted(key, value.get());
            String[] parts = key.name().split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child =
                        (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
                node = child;
            }
            node.put(parts[parts.length - 1], shown);
        }
        return root;
    }

    @SuppressWarnings("unchecked")
    private static <T> Object formatted(ConfigKey<T> key, Object value) {
        return key.type().format((T) value);
    }
}
