package dev.servicekit.core;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Loads an application's configuration the one way every verb does: the file, then the shared source (etcd) when
 * the file, environment or {@code --set} name one, then the environment and {@code --set}. The local part is read
 * once to find the shared source, checked then only for what the source's own keys need (the source's values may be
 * what makes the rest valid); the source is read once; the combined result is validated once.
 */
final class ConfigBootstrap {

    /** The keys that name a shared source (etcd's endpoints and the rest): read only from local sources. */
    private static final Set<String> SHARED_SOURCE_KEYS = CoreConfigKeys.SHARED_SOURCES.stream()
            .flatMap(provider -> provider.keys().stream())
            .map(ConfigKey::name)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final ServiceApplication app;
    private final Map<String, String> environment;
    private final PrintStream err;
    private final boolean checkSecretFiles;

    ConfigBootstrap(ServiceApplication app, Map<String, String> environment, PrintStream err) {
        this(app, environment, err, true);
    }

    private ConfigBootstrap(
            ServiceApplication app, Map<String, String> environment, PrintStream err, boolean checkSecretFiles) {
        this.app = app;
        this.environment = environment;
        this.err = err;
        this.checkSecretFiles = checkSecretFiles;
    }

    /** The same bootstrap, without the secret files' permissions among its problems ({@code doctor} checks them apart). */
    ConfigBootstrap withoutSecretFilePermissions() {
        return new ConfigBootstrap(app, environment, err, false);
    }

    /**
     * The configuration {@code run} starts with, the shared source it came from (open, for reloads and watching),
     * and how to read the next one on a reload (from the source's in-memory snapshot, never the network).
     *
     * @throws ConfigException listing every problem
     */
    Loaded load(ServiceCli.ConfigOptions options) {
        // The local part is read without the cross-key and secret-file checks: a value the shared source sets may
        // be what makes the combination valid (docs/decisions.md, "Shared-source discovery skips cross-key checks").
        Map<String, String> variables = environment(options);
        ConfigLoader localLoader = loader(options, variables, Optional.empty());
        Config local = localLoader.read(SHARED_SOURCE_KEYS);
        Path dataDir = local.get(CoreConfigKeys.DATA_DIR);
        if (options.workingDirectory != null && !dataDir.isAbsolute()) {
            // An installed service's relative data directory is under the directory its manager starts it in; said
            // as the last --set, every value derived from it (the database, the key files) follows.
            return load(options.withOverride(CoreConfigKeys.DATA_DIR.name() + "="
                    + options.workingDirectory.resolve(dataDir).normalize()));
        }
        Path file = configFile(options, variables);
        Set<ConfigProblem> sourceProblems = new LinkedHashSet<>();
        for (SharedConfigSource.Provider provider : CoreConfigKeys.SHARED_SOURCES) {
            sourceProblems.addAll(provider.check(local));
        }
        if (!sourceProblems.isEmpty()) {
            // The local configuration cannot say where the shared source is: report it with every other local problem.
            Set<ConfigProblem> problems = new LinkedHashSet<>(localLoader.check(local));
            problems.addAll(sourceProblems);
            throw new ConfigException(List.copyOf(problems));
        }
        Optional<SharedConfigSource> shared = Optional.empty();
        for (SharedConfigSource.Provider provider : CoreConfigKeys.SHARED_SOURCES) {
            shared = provider.open(local, app.name());
            if (shared.isPresent()) {
                break;
            }
        }
        if (shared.isEmpty()) {
            List<ConfigProblem> problems = localLoader.check(local);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Loaded(
                    local, Optional.empty(), () -> loadLocal(options, variables, Optional.empty()), file, true);
        }
        SharedConfigSource source = shared.get();
        try {
            boolean answered =
                    source.load(); // a failure is a warning, or the layer's problem when the source is required
            Config config = loadLocal(options, variables, Optional.of(source.layer()));
            return new Loaded(
                    config, shared, () -> loadLocal(options, variables, Optional.of(source.layer())), file, answered);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /**
     * The configuration for verbs that only read it ({@code config show}, {@code install}, an application's own
     * commands): the source is read once and closed; when it did not answer, stderr says the result is local only.
     */
    Config read(ServiceCli.ConfigOptions options) {
        try (Loaded loaded = load(options)) {
            if (!loaded.sharedAnswered()) {
                err.println(app.name() + ": note: "
                        + loaded.shared().map(SharedConfigSource::describe).orElse("")
                        + " did not answer; this is the local configuration only (file, environment, --set)");
            }
            return loaded.config();
        }
    }

    /**
     * File, then the layer (the shared source's snapshot) if any, then environment and {@code --set}, validated; no
     * network I/O.
     */
    private Config loadLocal(
            ServiceCli.ConfigOptions options, Map<String, String> variables, Optional<ConfigLayer> layer) {
        return loader(options, variables, layer).load();
    }

    /** {@code variables} is {@link #environment(ServiceCli.ConfigOptions) environment(options)}, made once. */
    private ConfigLoader loader(
            ServiceCli.ConfigOptions options, Map<String, String> variables, Optional<ConfigLayer> layer) {
        ConfigLoader.Builder loader = ConfigLoader.builder(app.configSchema())
                .environmentPrefix(app.environmentPrefix())
                .environment(variables)
                .file(configFile(options, variables), options.configFile != null)
                .overrides(overrides(options));
        if (!checkSecretFiles) {
            loader.skipSecretFilePermissions();
        }
        layer.ifPresent(loader::layer);
        return loader.build();
    }

    /** {@code --set} as given, then {@code --instance} as the {@code instance} key: it wins over every other source. */
    static List<String> overrides(ServiceCli.ConfigOptions options) {
        if (options.instance.value().isEmpty()) {
            return options.overrides;
        }
        List<String> all = new java.util.ArrayList<>(options.overrides);
        all.add(CoreConfigKeys.INSTANCE.name() + "=" + options.instance.value().get());
        return all;
    }

    /** The file {@link #load} reads: {@code --config}, else {@code <data-dir>/config.yaml}. */
    Path configFile(ServiceCli.ConfigOptions options) {
        return configFile(options, environment(options));
    }

    private Path configFile(ServiceCli.ConfigOptions options, Map<String, String> variables) {
        return options.configFile != null ? options.configFile : defaultConfigFile(options, variables);
    }

    /**
     * The environment {@code options} are read with: this process's own, or, when they carry the installed service's
     * ({@link InstalledConfig}), this process's without the variables with the application's prefix and the
     * service's with it: this process's prefixed variables do not reach the service, the service's do.
     */
    Map<String, String> environment(ServiceCli.ConfigOptions options) {
        if (options.serviceEnvironment == null) {
            return environment;
        }
        String prefix = app.environmentPrefix() + "_";
        Map<String, String> merged = new java.util.HashMap<>();
        environment.forEach((name, value) -> {
            if (!name.startsWith(prefix)) {
                merged.put(name, value);
            }
        });
        options.serviceEnvironment.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                merged.put(name, value);
            }
        });
        return merged;
    }

    /**
     * {@code <data-dir>/config.yaml}, where data-dir comes from --set or the environment, else the working directory
     * (the options' own, when they name one).
     */
    private Path defaultConfigFile(ServiceCli.ConfigOptions options, Map<String, String> variables) {
        String dataDir = variables.get(CoreConfigKeys.DATA_DIR.environmentVariable(app.environmentPrefix()));
        for (String override : options.overrides) {
            if (override.startsWith(CoreConfigKeys.DATA_DIR.name() + "=")) {
                dataDir = override.substring(CoreConfigKeys.DATA_DIR.name().length() + 1);
            }
        }
        Path file = Path.of(dataDir == null || dataDir.isBlank() ? "." : dataDir.strip())
                .resolve("config.yaml");
        return options.workingDirectory == null
                ? file
                : options.workingDirectory.resolve(file).normalize();
    }

    /**
     * A loaded configuration.
     *
     * @param config         the validated configuration
     * @param shared         the shared source it came from, still open
     * @param reload         reads and validates the next configuration (file, the source's snapshot, environment, --set)
     * @param file           the configuration file (it may not exist)
     * @param sharedAnswered false when a shared source was asked and did not answer
     */
    record Loaded(
            Config config,
            Optional<SharedConfigSource> shared,
            Supplier<Config> reload,
            Path file,
            boolean sharedAnswered)
            implements AutoCloseable {
        @Override
        public void close() {
            shared.ifPresent(SharedConfigSource::close);
        }
    }
}
