package dev.servicekit.etcd;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code config.etcd.*} keys: where the shared configuration lives. They are part of every application's schema
 * while servicekit-etcd is on the class path ({@code CoreConfigKeys.all()} asks {@link EtcdSourceProvider}), and
 * come only from the file, the environment and {@code --set}.
 */
public final class EtcdConfigKeys {

    /** etcd endpoints to read configuration from; empty means etcd is off. */
    public static final ConfigKey<List<URI>> CONFIG_ETCD_ENDPOINTS = ConfigKey.builder(
                    "config.etcd.endpoints", ConfigType.listOf(ConfigType.httpUrl()))
            .defaultValue(List.of())
            .defaultText("(empty: etcd is off)")
            .description(
                    "etcd v3 endpoints (http:// or https://, the JSON gateway on the client port) holding configuration "
                            + "under config.etcd.prefix, tried in order; see docs/etcd.md. Read only from the file, environment or --set.")
            .build();

    /** The etcd key prefix under which each configuration key is one etcd key. */
    public static final ConfigKey<String> CONFIG_ETCD_PREFIX = ConfigKey.builder(
                    "config.etcd.prefix", ConfigType.nonBlankString())
            .defaultText("/<service name>/config/ (e.g. /users-service/config/)")
            .description(
                    "etcd key prefix: the value of etcd key <prefix><dotted.key> (e.g. /users-service/config/log.level) "
                            + "sets that configuration key; a / is added when it does not end with one. Read only from "
                            + "the file, environment or --set.")
            .build();

    /** Whether the service refuses to start when no etcd endpoint answers. */
    public static final ConfigKey<Boolean> CONFIG_ETCD_REQUIRED = ConfigKey.builder(
                    "config.etcd.required", ConfigType.bool())
            .defaultValue(false)
            .description(
                    "When true, start fails (exit 78) if no etcd endpoint answers; when false the service starts from the "
                            + "local configuration, warns, and picks up etcd's values once it connects. Read only from the file, "
                            + "environment or --set.")
            .build();

    /** Bound on connecting to etcd and on each read. */
    public static final ConfigKey<Duration> CONFIG_ETCD_TIMEOUT = ConfigKey.builder(
                    "config.etcd.timeout", ConfigType.duration())
            .defaultValue(Duration.ofSeconds(5))
            .description(
                    "Bound on connecting to an etcd endpoint and on each read of the prefix (the watch stream itself "
                            + "stays open). Read only from the file, environment or --set.")
            .build();

    private EtcdConfigKeys() {}

    /** Every etcd key, in documentation order. */
    public static List<ConfigKey<?>> all() {
        return List.of(CONFIG_ETCD_ENDPOINTS, CONFIG_ETCD_PREFIX, CONFIG_ETCD_REQUIRED, CONFIG_ETCD_TIMEOUT);
    }

    /** Cross-key checks: a required source needs an endpoint; the timeout is not zero. */
    public static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (config.get(CONFIG_ETCD_REQUIRED)
                && config.get(CONFIG_ETCD_ENDPOINTS).isEmpty()) {
            problems.add(
                    new ConfigProblem(
                            CONFIG_ETCD_REQUIRED.name(),
                            config.source(CONFIG_ETCD_REQUIRED),
                            "\"true\" needs at least one etcd endpoint; set config.etcd.endpoints or set config.etcd.required to false"));
        }
        if (config.get(CONFIG_ETCD_TIMEOUT).isZero()) {
            problems.add(new ConfigProblem(
                    CONFIG_ETCD_TIMEOUT.name(),
                    config.source(CONFIG_ETCD_TIMEOUT),
                    "\"0s\" leaves no time to reach etcd; use e.g. 5s"));
        }
        return problems;
    }
}
