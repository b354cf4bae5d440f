package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PostgresBackups} without a server: where the tools are found ({@value PostgresBackups#PG_BIN_PROPERTY}
 * first), the password only in the tools' environment, and the full check of a JSON Lines payload.
 */
class PostgresBackupsTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(PostgresBackups.PG_BIN_PROPERTY);
    }

    @Test
    void theConfiguredDirectoryWinsAndNoneMeansJsonLines() throws IOException {
        Path tool = dir.resolve("pg_dump");
        Files.writeString(tool, "#!/bin/sh\n");
        assertThat(tool.toFile().setExecutable(true)).isTrue();

        System.setProperty(PostgresBackups.PG_BIN_PROPERTY, dir.toString());
        assertThat(PostgresBackups.tool("pg_dump")).contains(tool);
        assertThat(PostgresBackups.tool("pg_restore")).isEmpty();
        assertThat(PostgresBackups.payloadFormat()).isEqualTo(BackupManifest.PG_DUMP);

        System.setProperty(PostgresBackups.PG_BIN_PROPERTY, "none");
        assertThat(PostgresBackups.tool("pg_dump")).isEmpty();
        assertThat(PostgresBackups.payloadFormat()).isEqualTo(BackupManifest.JSONL);
    }

    @Test
    void theToolsGetThePasswordInTheirEnvironmentAndNeverInTheirArguments() {
        StoreConfig config = StoreConfig.create("jdbc:postgresql://db.internal:5433/users?sslmode=require")
                .withCredentials("svc", dir.resolve("db-password"))
                .withTimeout(Duration.ofSeconds(5));
        PostgresBackups.Target target = PostgresBackups.Target.of(config, Optional.of("s3cret"));

        assertThat(target.arguments())
                .containsExactly("--host=db.internal", "--port=5433", "--username=svc", "--no-password")
                .noneMatch(argument -> argument.contains("s3cret"));
        java.util.Map<String, String> environment = new java.util.HashMap<>();
        target.environment(environment);
        assertThat(environment)
                .containsEntry("PGPASSWORD", "s3cret")
                .containsEntry("PGAPPNAME", PostgresBackups.TOOL_APPLICATION_NAME)
                .containsEntry("PGSSLMODE", "require");
    }

    @Test
    void aJsonLinesPayloadIsReadInFullAndATruncatedOneIsRefused() throws IOException {
        Path payload = dir.resolve("users.jsonl");
        Instant at = Instant.parse("2026-12-04T05:00:00Z");
        try (OutputStream out = Files.newOutputStream(payload)) {
            ExportFile.Writer writer = new ExportFile.Writer(out, at, "test");
            for (int id = 1; id <= 3; id++) {
                writer.user(new ExportedUser(
                        new User(id, "U" + id, "u" + id + "@example.org", List.of(), at, at, 1), Optional.empty()));
            }
            writer.finish();
        }
        assertThat(PostgresBackups.inspectExport(payload, "users.jsonl"))
                .isEqualTo(new Backups.Inspection("users-service/export/1", 3));

        try (FileChannel channel = FileChannel.open(payload, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 10);
        }
        assertThatThrownBy(() -> PostgresBackups.inspectExport(payload, "users.jsonl"))
                .isInstanceOf(BackupException.class)
                .hasMessageStartingWith("payload 'users.jsonl' is not a sound export: ")
                .hasMessageEndingWith("; use another backup");
    }
}
