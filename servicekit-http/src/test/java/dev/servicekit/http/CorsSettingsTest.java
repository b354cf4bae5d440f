package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorsSettingsTest {

    @Test
    void acceptsExactOrigins() {
        CorsSettings settings = CorsSettings.allowing(List.of(
                "https://app.example.com", "http://localhost:3000",
                "https://[::1]:8443", "http://127.0.0.1:8080"));

        assertThat(settings.maxAge()).isEqualTo(CorsSettings.DEFAULT_MAX_AGE);
        assertThat(settings.allows("https://app.example.com")).isTrue();
        assertThat(settings.allows("http://localhost:3000")).isTrue();
    }

    @Test
    void matchesWholeOriginsOnly() {
        CorsSettings settings = CorsSettings.allowing(List.of("https://app.example.com"));

        assertThat(settings.allows("https://APP.example.com")).isTrue();
        assertThat(settings.allows("https://app.example.com.evil.net")).isFalse();
        assertThat(settings.allows("https://evilapp.example.com")).isFalse();
        assertThat(settings.allows("https://app.example.co")).isFalse();
        assertThat(settings.allows("http://app.example.com")).isFalse();
        assertThat(settings.allows("https://app.example.com:8443")).isFalse();
        assertThat(settings.allows("https://app.example.com/")).isFalse();
        assertThat(settings.allows("null")).isFalse();
    }

    @Test
    void rejectsEveryMalformedOriginAtOnceNamingEach() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> CorsSettings.allowing(List.of(
                        "https://ok.example",
                        "*",
                        "https://app.example.com/",
                        "https://app.example.com/path",
                        "app.example.com",
                        "ftp://files.example",
                        "https://*.example.com",
                        "https://app.example.com:443",
                        "https://app.example.com:70000")))
                .withMessageContaining("\"*\" contains a wildcard")
                .withMessageContaining("\"https://*.example.com\" contains a wildcard")
                .withMessageContaining(
                        "\"https://app.example.com/\" ends with a slash; remove it (\"https://app.example.com\")")
                .withMessageContaining("\"https://app.example.com/path\" has a path")
                .withMessageContaining("\"app.example.com\" has no scheme")
                .withMessageContaining("\"ftp://files.example\" has the scheme \"ftp\"")
                .withMessageContaining("\"https://app.example.com:443\" names the default port")
                .withMessageContaining("\"https://app.example.com:70000\" has the port 70000")
                .withMessageNotContaining("\"https://ok.example\"");
    }

    @Test
    void rejectsAnEmptyListAndANegativeMaxAge() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new CorsSettings(List.of(), Duration.ofSeconds(-1)))
                .withMessageContaining("list at least one origin")
                .withMessageContaining("maxAge \"PT-1S\" is negative");
    }

    private static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(HttpConfigKeys.all())
            .add(CoreConfigKeys.all())
            .check(HttpConfigKeys::check)
            .check(CoreConfigKeys::check)
            .build();

    private static Config load(String... overrides) {
        return ConfigLoader.builder(SCHEMA)
                .environment(Map.of())
                .overrides(List.of(overrides))
                .build()
                .load();
    }

    @Test
    void corsIsOffUnlessOriginsAreConfigured() {
        assertThat(HttpConfigKeys.apiCors(load())).isEmpty();
    }

    @Test
    void configuredOriginsBecomeCorsSettings() {
        Config config = load("http.cors.allowed-origins=https://app.example.com, http://localhost:3000");

        assertThat(HttpConfigKeys.apiCors(config))
                .hasValueSatisfying(cors -> assertThat(cors.allowedOrigins())
                        .containsExactly("https://app.example.com", "http://localhost:3000"));
    }

    @Test
    void configCheckReportsEachBadOriginUnderTheKey() {
        ConfigException thrown = catchThrowableOfType(
                ConfigException.class,
                () -> load("http.cors.allowed-origins=https://app.example.com/,*,https://ok.example"));

        assertThat(thrown).isNotNull();
        assertThat(thrown.problems())
                .extracting(ConfigProblem::key)
                .containsExactly("http.cors.allowed-origins", "http.cors.allowed-origins");
        assertThat(thrown.problems())
                .extracting(ConfigProblem::message)
                .anySatisfy(message -> assertThat(message).contains("\"https://app.example.com/\" ends with a slash"))
                .anySatisfy(message -> assertThat(message).contains("\"*\" contains a wildcard"));
    }
}
