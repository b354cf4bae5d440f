package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a key checks where it is declared, so a broken declaration fails the first start or test, not production. */
class ConfigKeyTest {

    @Test
    void aDefaultOutsideTheTypesRangeIsRefusedWhereTheKeyIsDeclared() {
        // Without the check, config validate called the configuration valid and the service ran with 100.
        assertThatThrownBy(() -> ConfigKey.builder("notes.limit", ConfigType.integer(1, 10))
                        .defaultValue(100)
                        .description("How many notes.")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Config key \"notes.limit\" has a default its own type refuses: \"100\" is not valid;"
                        + " expected a whole number from 1 to 10; change the default or the type");
    }

    @Test
    void otherDefaultsTheirTypeRefusesAreRefused() {
        assertThatThrownBy(() -> key(ConfigType.nonBlankString(), "")).hasMessageContaining("a non-empty value");
        assertThatThrownBy(() -> key(ConfigType.port(), 70000)).hasMessageContaining("a port number from 0 to 65535");
        assertThatThrownBy(() -> key(ConfigType.duration(), Duration.ofSeconds(-5)))
                .hasMessageContaining("\"-5s\" is not valid; expected a duration");
        assertThatThrownBy(() -> key(ConfigType.oneOf("text", "json"), "Text"))
                .hasMessageContaining("it is written \"Text\", which configuration reads as \"text\"");
        assertThatThrownBy(() -> key(ConfigType.listOf(ConfigType.port()), List.of(80, -1)))
                .hasMessageContaining("a comma-separated list where each item is a port number");
        assertThatThrownBy(() -> key(ConfigType.string(), " padded "))
                .hasMessageContaining("which configuration reads as \"padded\"");
    }

    @Test
    void defaultsTheirTypeAcceptsAreKept() {
        assertThat(key(ConfigType.integer(1, 10), 10).defaultValue()).hasValue(10);
        assertThat(key(ConfigType.string(), "").defaultValue()).hasValue("");
        assertThat(key(ConfigType.duration(), Duration.ofMillis(1500)).defaultValue())
                .hasValue(Duration.ofMillis(1500));
        assertThat(key(ConfigType.byteSize(), 1536L).defaultValue()).hasValue(1536L);
        assertThat(key(ConfigType.listOf(ConfigType.string()), List.of()).defaultValue())
                .hasValue(List.of());
        assertThat(key(ConfigType.listOf(ConfigType.port()), List.of(80, 443)).defaultValue())
                .hasValue(List.of(80, 443));
        assertThat(key(ConfigType.path(), Path.of("/var/lib/x")).defaultValue()).hasValue(Path.of("/var/lib/x"));
    }

    @Test
    void everyToolkitKeysDefaultIsOneItsTypeAccepts() {
        // Loading the schema builds every key, which checks its default.
        assertThat(CoreConfigKeys.all()).isNotEmpty();
    }

    @Test
    void readingAKeyTheApplicationDidNotDeclareSaysWhereToDeclareIt() {
        Config config = ConfigLoader.builder(
                        ConfigSchema.builder().add(CoreConfigKeys.all()).build())
                .build()
                .load();
        ConfigKey<Integer> undeclared = key(ConfigType.integer(1, 10), 5);

        assertThatThrownBy(() -> config.get(undeclared))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Config key \"notes.key\" is not part of this configuration's schema; declare it with the"
                        + " application's keys (HttpApplication.configKeys(), or ServiceApplication.configSchema())");
    }

    private static <T> ConfigKey<T> key(ConfigType<T> type, T value) {
        return ConfigKey.builder("notes.key", type)
                .defaultValue(value)
                .description("A key.")
                .build();
    }
}
