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
        return EtcdConfigSource.fromConfig(local, serviceName).map(source -> source);
    }
}
