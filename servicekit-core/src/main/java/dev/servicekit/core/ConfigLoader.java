package dev.servicekit.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * Loads a {@link Config} from, in rising precedence: the schema's defaults, one YAML file, extra
 * {@linkplain ConfigLayer layers} such as etcd (in the order added), environment variables
 * ({@code PREFIX_HTTP_PORT} for {@code http.port}) and {@code --set key=value} overrides.
 *
 * <p>Every source is read completely and every problem is collected before anything fails: unknown keys
 * (with a "did you mean"), values that do not parse (quoted, with what is expected), YAML syntax errors
 * (with line and column), then the schema's cross-key checks and secret-file permissions (owner-only on POSIX). {@link #load()} either returns a fully
 * valid configuration or throws one {@link ConfigException} listing all problems.
 *
 * {@snippet :
 * Config config = ConfigLoader.builder(schema)
 *         .environmentPrefix("USERS_SERVICE")
 *         .environment(System.getenv())
 *         .file(Path.of("config.yaml"), false)
 *         .overrides(List.of("http.port=8081"))
 *         .build()
 *         .load();
 * }
 */
public final class ConfigLoader {

    /** The file's reader; a key set twice is refused, as Jackson would otherwise keep the last without a word. */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final ConfigSchema schema;
    private final String environmentPrefix;
    private final Map<String, String> environment;
    private final Optional<Path> file;
    private final boolean fileRequired;
    private final List<String> overrides;
    private final List<ConfigLayer> layers;
    private final boolean checkSecretFiles;

    private ConfigLoader(Builder b) {
        this.schema = b.schema;
        this.environmentPrefix = b.environmentPrefix;
        this.environment = Map.copyOf(b.environment);
        this.file = Optional.ofNullable(b.file);
        this.fileRequired = b.fileRequired;
        this.overrides = List.copyOf(b.overrides);
        this.layers = List.copyOf(b.layers);
        this.checkSecretFiles = b.checkSecretFiles;
    }

    /** Starts a loader for a schema. */
    public static Builder builder(ConfigSchema schema) {
        return new Builder(schema);
    }

    /**
     * Reads every source and validates the result.
     *
     * @throws ConfigException listing every problem found
     */
    public Config load() {
        Reading reading = readAll();
        if (!reading.problems().isEmpty()) {
            throw everyProblem(reading);
        }
        Config config = new Config(schema, reading.values(), reading.sources());
        List<ConfigProblem> problems = check(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    /**
     * Reads every source without the schema's cross-key checks and the secret files' permissions: what
     * {@link ConfigBootstrap} needs to find a shared source, whose values may be what makes the combination valid.
     * Run {@link #check(Config)} on the result (or {@link #load()} with the shared source's layer) before using it.
     *
     * @param sharedSourceKeys the keys that name a shared source: when a value did not parse and none of them is
     *                         set, no shared source can change the combination, so the exception lists the checks'
     *                         problems too, as {@link #load()}'s does; when one is set it lists only what did not
     *                         parse, since the source's values are not known
     * @throws ConfigException listing every unknown key, value that does not parse and YAML error
     */
    Config read(Set<String> sharedSourceKeys) {
        Reading reading = readAll();
        if (!reading.problems().isEmpty()) {
            boolean sharedSourceNamed = sharedSourceKeys.stream()
                    .anyMatch(name -> reading.sources().containsKey(name)
                            || reading.unparsedKeys().contains(name));
            throw sharedSourceNamed ? new ConfigException(reading.problems()) : everyProblem(reading);
        }
        return new Config(schema, reading.values(), reading.sources());
    }

    /**
     * Some values did not parse. The checks that read none of them still run, so that one run lists every problem
     * (a bad port and a store URL with credentials in it, say), unless a source could not be read at all: then any
     * check would judge defaults in place of values nobody has seen.
     */
    private ConfigException everyProblem(Reading reading) {
        List<ConfigProblem> problems = new ArrayList<>(reading.problems());
        if (reading.everySourceRead()) {
            problems.addAll(check(new Config(schema, reading.values(), reading.sources(), reading.unparsedKeys())));
        }
        return new ConfigException(problems);
    }

    /**
     * What the sources gave: the values that parsed, where each came from, every problem, the keys with a value
     * that did not parse, and whether every source could be read (a file with a syntax error cannot).
     */
    private record Reading(
            Map<String, Object> values,
            Map<String, String> sources,
            List<ConfigProblem> problems,
            Set<String> unparsedKeys,
            boolean everySourceRead) {}

    private Reading readAll() {
        ReadProblems problems = new ReadProblems();
        Map<String, Object> values = new HashMap<>();
        Map<String, String> sources = new HashMap<>();

        file.ifPresent(path -> readFile(path, values, sources, problems));
        layers.forEach(layer -> readLayer(layer, values, sources, problems));
        readEnvironment(values, sources, problems);
        readOverrides(values, sources, problems);

        // A problem names a schema key (its value did not parse, or has no value), an unknown key, or a source as a
        // whole (a file that cannot be read or parsed, a --set that is not key=value); a layer's own problems (etcd
        // did not answer) are about the whole layer, whatever key they name.
        Set<String> unparsed = new HashSet<>();
        boolean everySourceRead =
                layers.stream().allMatch(layer -> layer.problems().isEmpty());
        for (ConfigProblem problem : problems.all()) {
            if (schema.key(problem.key()).isPresent()) {
                unparsed.add(problem.key());
            } else if (!problems.isUnknownKey(problem)) {
                everySourceRead = false;
            }
        }
        return new Reading(values, sources, problems.all(), unparsed, everySourceRead);
    }

    /**
     * The problems found while reading, in the order found, each unknown key marked as such where it is made: an
     * unknown key leaves the rest of its source readable, where the other problems that name no schema key do not.
     */
    private static final class ReadProblems {
        private final List<ConfigProblem> all = new ArrayList<>();
        private final Set<ConfigProblem> unknownKeys = Collections.newSetFromMap(new IdentityHashMap<>());

        void add(ConfigProblem problem) {
            all.add(problem);
        }

        void addAll(List<ConfigProblem> problems) {
            all.addAll(problems);
        }

        void addUnknownKey(ConfigProblem problem) {
            all.add(problem);
            unknownKeys.add(problem);
        }

        boolean isUnknownKey(ConfigProblem problem) {
            return unknownKeys.contains(problem);
        }

        List<ConfigProblem> all() {
            return all;
        }
    }

    /**
     * The schema's cross-key checks and, unless {@linkplain Builder#skipSecretFilePermissions skipped}, the secret
     * files' permissions, on a configuration {@link #read()} returned; empty when it is valid.
     */
    List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>(schema.check(config));
        if (checkSecretFiles) {
            problems.addAll(SecretFilePermissions.check(config, file));
        }
        // A key file that does not exist is found by its TLS check and by the secret-file check, worded alike: once.
        return problems.stream().distinct().toList();
    }

    private void missingFile(String source, ReadProblems problems) {
        if (fileRequired) {
            problems.add(new ConfigProblem(
                    source, source, "the configuration file does not exist; check the path given to --config"));
        }
    }

    /** Whether the nearest existing ancestor of {@code path} is a file: then {@code path} cannot exist. */
    private static boolean underAFile(Path path) {
        return ExistingPaths.fileInTheWay(path)
                .filter(file -> !file.equals(path.toAbsolutePath()))
                .isPresent();
    }

    private void readFile(Path path, Map<String, Object> values, Map<String, String> sources, ReadProblems problems) {
        String source = path.toString();
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            missingFile(source, problems);
            return;
        } catch (IOException e) {
            if (underAFile(path)) {
                // ENOTDIR: a file stands where a directory of the path should be (a data-dir under a regular file),
                // so the file cannot exist; the default file is simply absent, and the data-dir check names the file in
                // the way (CoreConfigKeys.check).
                missingFile(source, problems);
                return;
            }
            problems.add(new ConfigProblem(
                    source,
                    source,
                    "the configuration file cannot be read (" + e.getMessage()
                            + "); check that it exists and that this account may read it"));
            return;
        }
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            if (e instanceof StreamReadException read
                    && read.getOriginalMessage() != null
                    && read.getOriginalMessage().startsWith("Duplicate field ")
                    && read.getProcessor() != null) {
                problems.add(new ConfigProblem(
                        yamlPath(read.getProcessor().getParsingContext()),
                        source,
                        "is set twice in the file (again at line " + (at == null ? "?" : at.getLineNr())
                                + "); keep one of them"));
                return;
            }
            problems.add(new ConfigProblem(
                    source,
                    source,
                    "is not valid YAML" + where + ": " + e.getOriginalMessage()
                            + "; fix the syntax (indent with spaces, 'key: value' pairs)"));
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file means "all defaults"
        }
        // An alias is written with '*': a file without one (nearly every file) is not read a second time.
        List<ConfigProblem> aliases = text.indexOf('*') >= 0 ? aliases(text, source) : List.of();
        if (!aliases.isEmpty()) {
            aliases.forEach(problems::add);
            return;
        }
        if (!root.isObject()) {
            problems.add(new ConfigProblem(
                    source,
                    source,
                    "must be a YAML mapping of keys (e.g. 'http:' then '  port: 8080'), not "
                            + (root.isArray() ? "a list" : "a single value")));
            return;
        }
        Map<String, JsonNode> flat = new LinkedHashMap<>();
        flatten(root, flat);
        for (Map.Entry<String, JsonNode> entry : flat.entrySet()) {
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            Optional<ConfigKey<?>> key = schema.key(name);
            if (key.isEmpty()) {
                problems.addUnknownKey(unknownKey(name, source));
                continue;
            }
            if (node.isNull()) {
                problems.add(new ConfigProblem(
                        name,
                        source,
                        "has no value; give it one or remove the line to use the default ("
                                + key.get().defaultText() + ")"));
                continue;
            }
            if (node.isContainerNode()
                    && !(node.isArray() && key.get().type().docName().startsWith("list of"))) {
                problems.add(new ConfigProblem(
                        name,
                        source,
                        "must be a single value (" + key.get().type().docName() + "), not a "
                                + (node.isArray() ? "list" : "mapping")));
                continue;
            }
            String raw = node.isArray()
                    ? StreamSupport.stream(node.spliterator(), false)
                            .map(JsonNode::asText)
                            .collect(Collectors.joining(","))
                    : node.asText();
            accept(key.get(), raw, source, values, sources, problems);
        }
    }

    private void readLayer(
            ConfigLayer layer, Map<String, Object> values, Map<String, String> sources, ReadProblems problems) {
        problems.addAll(layer.problems());
        for (ConfigLayer.Value value : layer.values()) {
            Optional<ConfigKey<?>> key = schema.key(value.key());
            if (key.isEmpty()) {
                problems.addUnknownKey(unknownKey(value.key(), value.source()));
                continue;
            }
            accept(key.get(), value.raw(), value.source(), values, sources, problems);
        }
    }

    /** The dotted name of every leaf of the file's mapping. */
    private static void flatten(JsonNode root, Map<String, JsonNode> out) {
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            flatten(segment(field.getKey()), field.getValue(), out);
        }
    }

    private static void flatten(String name, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject() && !node.isEmpty()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                flatten(name + "." + segment(field.getKey()), field.getValue(), out);
            }
        } else {
            out.put(name, node);
        }
    }

    /**
     * The YAML aliases in {@code text} ({@code port: *base}), one problem each. Jackson reads an alias as the text of
     * its anchor's name, not as the value the anchor names, so {@code management.port: *a} would be read as "a" and
     * a string key would silently get the anchor's name.
     */
    private static List<ConfigProblem> aliases(String text, String source) {
        List<ConfigProblem> found = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(text)) {
            while (parser.nextToken() != null) {
                if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
                    found.add(new ConfigProblem(
                            yamlPath(parser.getParsingContext()),
                            source,
                            "is the YAML alias *" + parser.getText() + " (line "
                                    + parser.currentTokenLocation().getLineNr()
                                    + "), which is not read as the value its anchor names; write the"
                                    + " value out"));
                }
            }
        } catch (IOException e) {
            // The text was read as YAML a moment ago; nothing more to find.
        }
        return found;
    }

    /** The dotted name of the key a YAML parser is at ({@code management.port}), as a problem names a key. */
    private static String yamlPath(JsonStreamContext at) {
        List<String> names = new ArrayList<>();
        for (JsonStreamContext context = at; context != null && !context.inRoot(); context = context.getParent()) {
            if (context.inObject() && context.getCurrentName() != null) {
                names.add(0, context.getCurrentName());
            }
        }
        return String.join(".", names);
    }

    /**
     * A part of a dotted name as a problem shows it: a blank one quoted, so that a YAML key {@code ""} is named
     * {@code ""} (no key has a blank part, so it is reported as unknown) instead of by nothing, and is never taken
     * for the top of the file.
     */
    private static String segment(String key) {
        return key.isBlank() ? "\"" + key + "\"" : key;
    }

    private void readEnvironment(Map<String, Object> values, Map<String, String> sources, ReadProblems problems) {
        if (environmentPrefix == null) {
            return;
        }
        for (ConfigKey<?> key : schema.keys()) {
            String variable = key.environmentVariable(environmentPrefix);
            String raw = environment.get(variable);
            if (raw != null) {
                accept(key, raw, "environment " + variable, values, sources, problems);
            }
        }
    }

    private void readOverrides(Map<String, Object> values, Map<String, String> sources, ReadProblems problems) {
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                problems.add(new ConfigProblem(
                        override, "--set", "\"" + override + "\" is not key=value; write e.g. --set http.port=8081"));
                continue;
            }
            String name = override.substring(0, eq).strip();
            String raw = override.substring(eq + 1);
            Optional<ConfigKey<?>> key = schema.key(name);
            if (key.isEmpty()) {
                problems.addUnknownKey(unknownKey(name, "--set"));
                continue;
            }
            accept(key.get(), raw, "--set", values, sources, problems);
        }
    }

    private ConfigProblem unknownKey(String name, String source) {
        String hint = schema.suggest(name)
                .map(s -> "did you mean \"" + s + "\"?")
                .orElse("see docs/configuration.md for every key");
        return new ConfigProblem(segment(name), source, "is not a known configuration key; " + hint);
    }

    private static <T> void accept(
            ConfigKey<T> key,
            String raw,
            String source,
            Map<String, Object> values,
            Map<String, String> sources,
            ReadProblems problems) {
        // instanceof, not a switch on types: each such switch makes the JVM generate a class when it first runs,
        // even with an AOT cache (docs/performance.md, "Classes generated at run time"). Parsed has these two only.
        ConfigType.Parsed<T> parsed = key.type().parse(raw);
        if (parsed instanceof ConfigType.Parsed.Ok<T> ok) {
            values.put(key.name(), ok.value());
            sources.put(key.name(), source);
        } else if (parsed instanceof ConfigType.Parsed.Invalid<T> invalid) {
            String shown = key.secret() ? Config.MASK : raw;
            problems.add(new ConfigProblem(
                    key.name(), source, "\"" + shown + "\" is not valid; expected " + invalid.expected()));
        } else {
            throw new IllegalStateException("Unknown parse result " + parsed);
        }
    }

    /** Builds a {@link ConfigLoader}. */
    public static final class Builder {
        private final ConfigSchema schema;
        private String environmentPrefix;
        private Map<String, String> environment = Map.of();
        private Path file;
        private boolean fileRequired;
        private final List<String> overrides = new ArrayList<>();
        private final List<ConfigLayer> layers = new ArrayList<>();
        private boolean checkSecretFiles = true;

        private Builder(ConfigSchema schema) {
            this.schema = Objects.requireNonNull(schema, "schema");
        }

        /** The prefix of environment variables, e.g. {@code USERS_SERVICE}. */
        public Builder environmentPrefix(String prefix) {
            this.environmentPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** The environment to read (normally {@code System.getenv()}; tests pass their own). */
        public Builder environment(Map<String, String> variables) {
            this.environment = Objects.requireNonNull(variables, "variables");
            return this;
        }

        /**
         * The YAML file. When {@code required} is false a missing file means "defaults"; when true
         * (the user named it with {@code --config}) a missing file is a problem.
         */
        public Builder file(Path path, boolean required) {
            this.file = Objects.requireNonNull(path, "path");
            this.fileRequired = required;
            return this;
        }

        /**
         * Leaves the secret files' permissions out of {@link ConfigLoader#load()} ({@code doctor} checks them
         * separately, on a configuration that is otherwise valid). Package-private: every other loader checks them.
         */
        Builder skipSecretFilePermissions() {
            this.checkSecretFiles = false;
            return this;
        }

        /**
         * A layer read after the file and before the environment (e.g. the current etcd snapshot,
         * {@link EtcdConfigSource#layer()}); layers added later win over earlier ones.
         */
        public Builder layer(ConfigLayer value) {
            this.layers.add(Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@code key=value} overrides, applied last. */
        public Builder overrides(List<String> keyValues) {
            this.overrides.addAll(Objects.requireNonNull(keyValues, "keyValues"));
            return this;
        }

        /** Builds the loader. */
        public ConfigLoader build() {
            return new ConfigLoader(this);
        }
    }
}
