package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The config.etcd.* keys join every schema built from CoreConfigKeys while this module is on the class path. */
class EtcdConfigKeysTest {

    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .check(CoreConfigKeys::check)
            .build();

    private ConfigLoader.Builder loader() {
        return ConfigLoader.builder(SCHEMA).environmentPrefix("MY_APP");
    }

    @Test
    void theEtcdKeysArePartOfTheCoreKeysOnThisClassPath() {
        assertThat(CoreConfigKeys.all()).containsAll(EtcdConfigKeys.all());
    }

    @Test
    void etcdEndpointsMustBeHttpUrlsAndRequiredNeedsOne() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.endpoints=http://a:2379,etcd-2:2379"))
                        .build()
                        .load());
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("config.etcd.endpoints");
        assertThat(e.problems().getFirst().message())
                .contains("\"http://a:2379,etcd-2:2379\"")
                .contains("http:// or https:// URL");

        e = catchThrowableOfType(
                ConfigException.class,
                () -> loader().overrides(List.of("config.etcd.required=true"))
                        .build()
                        .load());
        assertThat(e.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "config.etcd.required (from --set): "
                                + "\"true\" needs at least one etcd endpoint; set config.etcd.endpoints or set config.etcd.required to false");

        Config ok = loader().overrides(List.of("config.etcd.endpoints=https://etcd-1:2379, http://127.0.0.1:2379"))
                .build()
                .load();
        assertThat(ok.get(EtcdConfigKeys.CONFIG_ETCD_ENDPOINTS))
                .extracting(Object::toString)
                .containsExactly("https://etcd-1:2379", "http://127.0.0.1:2379");
        assertThat(ok.find(EtcdConfigKeys.CONFIG_ETCD_PREFIX)).isEmpty();
    }
}
