package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilePermissionsTest {

    static final ConfigKey<Path> KEY_FILE = ConfigKey.builder("auth.secret-file", ConfigType.secretFile())
            .description("key")
            .build();
    static final ConfigKey<String> PASSWORD = ConfigKey.builder("store.password", ConfigType.string())
            .secret()
            .description("password")
            .build();
    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .add(KEY_FILE, PASSWORD)
            .build();

    @TempDir
    Path dir;

    private Path file(String name, String content, String permissions) throws IOException {
        Path file = Files.writeString(dir.resolve(name), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    @Test
    void aWorldReadableSecretFileIsRefusedWithTheChmodFix() throws IOException {
        Path secret = file("secret.key", "0123456789abcdef0123456789abcdef", "rw-r--r--");

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.builder(SCHEMA)
                        .overrides(List.of("auth.secret-file=" + secret))
                        .build()
                        .load());

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("auth.secret-file");
            assertThat(p.message())
                    .contains("\"" + secret + "\"")
                    .contains("rw-r--r--")
                    .contains("chmod 600 " + secret);
        });
    }

    @Test
    void anOwnerOnlySecretFileIsAccepted() throws IOException {
        Path secret = file("secret.key", "0123456789abcdef0123456789abcdef", "rw-------");

        Config config = ConfigLoader.builder(SCHEMA)
                .overrides(List.of("auth.secret-file=" + secret))
                .build()
                .load();

        assertThat(config.get(KEY_FILE)).isEqualTo(secret);
        assertThat(config.toMap().toString()).contains(secret.toString()); // the path is not the secret
    }

    @Test
    void aMissingSecretFileIsAProblem() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.builder(SCHEMA)
                        .overrides(List.of("auth.secret-file=" + dir.resolve("nope")))
                        .build()
                        .load());

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("does not exist"));
    }

    @Test
    void aConfigFileHoldingASecretMustBeOwnerOnly() throws IOException {
        Path config = file("config.yaml", "store:\n  password: hunter2hunter2\n", "rw-r--r--");

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.builder(SCHEMA).file(config, true).build().load());

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("chmod 600 " + config));
        assertThat(e.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void aConfigFileWithoutSecretsMayBeReadable() throws IOException {
        Path config = file("config.yaml", "log:\n  level: warn\n", "rw-r--r--");

        assertThat(ConfigLoader.builder(SCHEMA)
                        .file(config, true)
                        .build()
                        .load()
                        .get(CoreConfigKeys.LOG_LEVEL))
                .isEqualTo("warn");
    }
}
