package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
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
                        "User " + i,
                        "user" + i + "@example.org",
                        List.of("reader"),
                        Optional.of(DataTransferTest.storedHash(i))));
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

    /**
     * docs/cli.md: an import runs beside the service on the same SQLite file and the service sees its changes. The
     * service has the user in its cache of reads by id when another process's import rewrites it; the next GET
     * answers the imported row.
     */
    @Test
    void aRunningServiceSeesAUserItHasCachedRewrittenByAnImportInAnotherProcess() throws Exception {
        Path database = dir.resolve("service.db");
        try (ServiceProcess service = UsersServiceProcessIT.smallJvm(dir)
                .outputName("service")
                .args(UsersServiceProcessIT.run(
                        "http.port=0",
                        "management.port=0",
                        "auth.enabled=false",
                        "data-dir=" + dir,
                        "store.url=jdbc:sqlite:" + database))
                .start()) {
            TestHttpClient api = TestHttpClient.create(
                    "http://127.0.0.1:" + UsersServiceProcessIT.port(service, UsersServiceProcessIT.API));
            TestResponse created = api.post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.org\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            ObjectMapper json = new ObjectMapper();
            long id = json.readTree(created.body()).path("id").asLong();
            for (int i = 0; i < 3; i++) { // the first read fills the cache, the others are answered from it
                assertThat(json.readTree(api.get("/api/v1/users/" + id).body())
                                .path("name")
                                .asText())
                        .isEqualTo("Ada");
            }

            Path file = dir.resolve("rewrite.jsonl");
            try (ServiceProcess export = run("export-running", database, "data", "export")) {
                assertThat(export.awaitExit(Duration.ofSeconds(60)))
                        .as(export.output())
                        .isZero();
                String rewritten = export.stdout()
                        .lines()
                        .map(line -> line.contains("\"email\":\"ada@example.org\"")
                                ? line.replace("\"name\":\"Ada\"", "\"name\":\"Ada King\"")
                                        .replace("\"version\":1", "\"version\":2")
                                : line)
                        .collect(Collectors.joining("\n", "", "\n"));
                assertThat(rewritten).contains("Ada King");
                Files.writeString(file, rewritten);
            }
            try (ServiceProcess imported =
                    run("import-running", database, "data", "import", "--from", file.toString())) {
                assertThat(imported.awaitExit(Duration.ofSeconds(60)))
                        .as(imported.output())
                        .isZero();
                assertThat(imported.stdout()).contains("0 created, 1 updated, 0 unchanged");
            }

            TestResponse read = api.get("/api/v1/users/" + id);
            assertThat(json.readTree(read.body()).path("name").asText()).isEqualTo("Ada King");
            assertThat(read.headers().get("etag")).containsExactly("\"2\"");
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }
}
