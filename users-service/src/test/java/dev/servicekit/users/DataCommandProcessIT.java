package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data export} and {@code data import} from the shaded jar in child JVMs, as an operator pipes them: standard
 * output carries the export and nothing else (no log line), and the exit codes reach the shell.
 */
class DataCommandProcessIT {

    @TempDir
    Path dir;

    private ServiceProcess run(String name, Path store, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--set", "data-dir=" + dir, "--set", "store.url=jdbc:sqlite:" + store));
        return ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .outputName(name)
                .args(all.toArray(String[]::new))
                .start();
    }

    @Test
    void anExportPipedFromStandardOutputImportsIntoAnotherStoreAndATruncatedOneExits65() throws Exception {
        Path source = dir.resolve("source.db");
        try (UserStore store = SqliteUserStore.open(source, 2, Duration.ofSeconds(5), Clock.systemUTC())) {
            for (int i = 1; i <= 3; i++) {
                store.create(new UserDraft(
                        "User " + i, "user" + i + "@example.org", List.of("reader"), Optional.of("hash-" + i)));
            }
        }

        Path file = dir.resolve("users.jsonl");
        try (ServiceProcess export = run("export", source, "data", "export")) {
            assertThat(export.awaitExit(Duration.ofSeconds(60)))
                    .as(export.output())
                    .isZero();
            List<String> lines = export.stdout().lines().toList();
            assertThat(lines).as("header, three users, end line; nothing else").hasSize(5);
            ObjectMapper json = new ObjectMapper();
            for (String line : lines) {
                assertThat(json.readTree(line).isObject()).as(line).isTrue();
            }
            assertThat(export.stderr()).contains("Exported 3 users from sqlite " + source);
            Files.writeString(file, export.stdout());
        }

        Path target = dir.resolve("target.db");
        try (ServiceProcess imported = run("import", target, "data", "import", "--from", file.toString())) {
            assertThat(imported.awaitExit(Duration.ofSeconds(60)))
                    .as(imported.output())
                    .isZero();
            assertThat(imported.stdout()).contains("Imported 3 users").contains("3 created, 0 updated, 0 unchanged");
        }

        String whole = Files.readString(file);
        Files.writeString(file, whole.substring(0, whole.lastIndexOf("{\"id\":3") + 12));
        Path untouched = dir.resolve("untouched.db");
        try (ServiceProcess truncated = run("truncated", untouched, "data", "import", "--from", file.toString())) {
            assertThat(truncated.awaitExit(Duration.ofSeconds(60)))
                    .as(truncated.output())
                    .isEqualTo(65);
            assertThat(truncated.stderr())
                    .contains("line 4: it is not complete JSON")
                    .contains("Nothing was imported");
        }
        try (UserStore store = SqliteUserStore.open(untouched, 2, Duration.ofSeconds(5), Clock.systemUTC())) {
            assertThat(store.list(10, Optional.empty()).items()).isEmpty();
        }
    }
}
