package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the configuration loader: the input is the text of the YAML file, loaded
 * against a schema with every kind of value (the core keys plus a port, host, secret, list, byte size,
 * duration, choice, URL and path). Invariant: {@link ConfigLoader#load()} returns a {@link Config} or throws
 * a {@link ConfigException} with at least one problem, each naming a key or source and saying what is
 * wrong; never another exception. Seeds and regression inputs:
 * {@code src/test/resources/dev/servicekit/core/ConfigLoaderFuzzTestInputs/load/}. See docs/fuzzing.md.
 */
class ConfigLoaderFuzzTest {

    private static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .add(
                    ConfigKey.builder("http.port", ConfigType.port())
                            .defaultValue(8080)
                            .description("port")
                            .build(),
                    ConfigKey.builder("http.host", ConfigType.host())
                            .defaultValue("127.0.0.1")
                            .description("host")
                            .build(),
                    ConfigKey.builder("auth.secret", ConfigType.nonBlankString())
                            .secret()
                            .defaultValue("changeme-changeme")
                            .description("secret")
                            .build(),
                    ConfigKey.builder("cors.origins", ConfigType.listOf(ConfigType.httpUrl()))
                            .defaultValue(List.<URI>of())
                            .description("origins")
                            .build(),
                    ConfigKey.builder("store.max-size", ConfigType.byteSize())
                            .defaultValue(1024L)
                            .description("size")
                            .build(),
                    ConfigKey.builder("store.timeout", ConfigType.duration())
                            .defaultValue(Duration.ofSeconds(5))
                            .description("timeout")
                            .build(),
                    ConfigKey.builder("store.kind", ConfigType.oneOf("sqlite", "postgres"))
                            .defaultValue("sqlite")
                            .description("kind")
                            .build(),
                    ConfigKey.builder("store.file", ConfigType.path())
                            .defaultValue(Path.of("app.db"))
                            .description("file")
                            .build())
            .check(CoreConfigKeys::check)
            .build();

    private static final Path FILE;

    static {
        try {
            Path dir = Files.createTempDirectory("config-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("config.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void load(byte[] yaml) throws IOException {
        Files.write(FILE, yaml);
        FILE.toFile().deleteOnExit();
        ConfigLoader loader = ConfigLoader.builder(SCHEMA)
                .environmentPrefix("FUZZ")
                .environment(Map.of())
                .file(FILE, true)
                .build();
        try {
            Config config = loader.load();
            assertThat(config).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(problem -> {
                assertThat(problem.key()).isNotBlank();
                assertThat(problem.source()).isNotBlank();
                assertThat(problem.message()).isNotBlank();
            });
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
