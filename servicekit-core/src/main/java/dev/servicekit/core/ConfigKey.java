package dev.servicekit.core;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One documented configuration key: its kebab-case dotted name, type, default, whether a running
 * service can apply a change without a restart, whether it is a secret (masked in every output), and
 * a one-line description for {@code docs/configuration.md}.
 *
 * {@snippet :
 * static final ConfigKey<Integer> HTTP_PORT = ConfigKey.builder("http.port", ConfigType.port())
 *         .defaultValue(8080)
 *         .description("TCP port of the API listener.")
 *         .build();
 * }
 *
 * @param name         dotted kebab-case name, e.g. {@code shutdown.drain-timeout}
 * @param type         how values are parsed and shown
 * @param defaultValue the default, empty when the key is optional or its default is computed
 * @param defaultText  how the default is documented (e.g. {@code <data-dir>/users.db} for a computed one)
 * @param derivedDefault computes the default from other keys when there is no fixed one (e.g. a path
 *                     under {@code data-dir}); empty for keys without one
 * @param reloadable   whether a change applies without a restart
 * @param secret       whether the value is masked in {@code config show}, status output and logs
 * @param description  one sentence for the docs
 * @param <T>          the value type
 */
public record ConfigKey<T>(
        String name,
        ConfigType<T> type,
        Optional<T> defaultValue,
        String defaultText,
        Optional<Function<Config, T>> derivedDefault,
        boolean reloadable,
        boolean secret,
        String description) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*(\\.[a-z][a-z0-9]*(-[a-z0-9]+)*)*");

    /**
     * Validates the name, the description and the default.
     *
     * @throws IllegalArgumentException if the name is not dotted kebab-case, the description is blank, or the default
     *     is not a value the type accepts from configuration (e.g. {@code 100} for {@code ConfigType.integer(1, 10)})
     */
    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(defaultText, "defaultText");
        Objects.requireNonNull(derivedDefault, "derivedDefault");
        Objects.requireNonNull(description, "description");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "Config key \"" + name + "\" must be dotted kebab-case, e.g. http.max-body-size");
        }
        if (description.isBlank()) {
            throw new IllegalArgumentException("Config key \"" + name + "\" needs a description for the docs");
        }
        Optional<String> badDefault =
                defaultValue.isPresent() ? type.problemWith(defaultValue.get()) : Optional.empty();
        if (badDefault.isPresent()) {
            throw new IllegalArgumentException("Config key \"" + name + "\" has a default its own type refuses: "
                    + badDefault.get() + "; change the default or the type");
        }
    }

    /** Starts a key definition. */
    public static <T> Builder<T> builder(String name, ConfigType<T> type) {
        return new Builder<>(name, type);
    }

    /**
     * The environment variable that sets this key: the prefix, then the name upper-cased with dots and
     * dashes turned into underscores ({@code USERS_SERVICE} + {@code http.port} → {@code USERS_SERVICE_HTTP_PORT}).
     */
    public String environmentVariable(String prefix) {
        return prefix + "_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Builds a {@link ConfigKey}. */
    public static final class Builder<T> {
        private final String name;
        private final ConfigType<T> type;
        private T defaultValue;
        private String defaultText;
        private Function<Config, T> derivedDefault;
        private boolean reloadable;
        private boolean secret;
        private String description = "";

        private Builder(String name, ConfigType<T> type) {
            this.name = name;
            this.type = type;
        }

        /** The default value (also documented). */
        public Builder<T> defaultValue(T value) {
            this.defaultValue = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Computes the default from other keys (it must not read this key); {@code documented} is how the
         * docs show it, e.g. {@code jdbc:sqlite:<data-dir>/users.db}.
         */
        public Builder<T> derivedDefault(Function<Config, T> compute, String documented) {
            this.derivedDefault = Objects.requireNonNull(compute, "compute");
            this.defaultText = Objects.requireNonNull(documented, "documented");
            return this;
        }

        /** How a computed or absent default is documented, e.g. {@code <data-dir>/users.db}. */
        public Builder<T> defaultText(String text) {
            this.defaultText = Objects.requireNonNull(text, "text");
            return this;
        }

        /** Marks the key as applied by a reload without a restart. */
        public Builder<T> reloadable() {
            this.reloadable = true;
            return this;
        }

        /** Marks the value as secret: masked in every output. */
        public Builder<T> secret() {
            this.secret = true;
            return this;
        }

        /** One sentence for the docs. */
        public Builder<T> description(String text) {
            this.description = Objects.requireNonNull(text, "text");
            return this;
        }

        /** Builds the key. */
        public ConfigKey<T> build() {
            Optional<T> def = Optional.ofNullable(defaultValue);
            String text = defaultText != null
                    ? defaultText
                    : def.map(v -> String.valueOf(type.format(v))).orElse("(none)");
            return new ConfigKey<>(
                    name, type, def, text, Optional.ofNullable(derivedDefault), reloadable, secret, description);
        }
    }
}
