package dev.servicekit.etcd;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.SharedConfigSource;
import java.util.List;
import java.util.Optional;

/** Offers etcd as the shared configuration source (registered with ServiceLoader). */
public final class EtcdSourceProvider implements SharedConfigSource.Provider {

    /** For ServiceLoader. */
    public EtcdSourceProvider() {}

    @Override
    public List<ConfigKey<?>> keys() {
        return EtcdConfigKeys.all();
    }

    @Override
    public List<ConfigProblem> check(Config config) {
        return EtcdConfigKeys.check(config);
    }

    @Override
    public Optional<SharedConfigSource> open(Config local, String serviceName) {
        if (local.get(EtcdConfigKeys.CONFIG_ETCD_ENDPOINTS).isEmpty()) {
            // No etcd: the client's class (its JSON mapper, its logger) is not even loaded, as CLI verbs start faster.
            return Optional.empty();
        }
        return EtcdConfigSource.fromConfig(local, serviceName).map(source -> source);
    }
}
