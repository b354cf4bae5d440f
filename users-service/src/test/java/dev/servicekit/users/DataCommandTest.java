package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.ServiceCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data export} and {@code data import} as an operator runs them: the real command line in this JVM
 * ({@link ServiceCli}), the store from the configuration ({@code --set store.url=...}), exit codes and messages.
 */
class DataCommandTest {

    @TempDir
    Path dir;

    Path source;
    Path target;
    private final UsersCommandLine cli = new UsersCommandLine();

    @BeforeEach
    void createSourceStore() {
        source = dir.resolve("source").resolve("users.db");
        target = dir.resolve("target").resolve("users.db");
        try (UserStore store = SqliteUserStore.open(source, 2, Duration.ofSeconds(5), java.time.Clock.systemUTC())) {
            for (int i = 1; i <= 5; i++) {
                store.importUser(user(i * 10, "user" + i + "@example.org"));
            }
        }
    }

    static ExportedUser user(long id, String email) {
        return new ExportedUser(
                new User(
                        id,
                        "User " + id,
                        email,
                        List.of("reader"),
                        Instant.parse("2026-01-01T00:00:00.001Z"),
                        Instant.parse("2026-01-01T00:00:01.002Z"),
                        id % 3 + 1),
                Optional.of(DataTransferTest.storedHash(id)));
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    private String[] on(Path store, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--set", "data-dir=" + store.getParent(), "--set", "store.url=jdbc:sqlite:" + store));
        return all.toArray(String[]::new);
    }

    private List<ExportedUser> usersOf(Path store) {
        try (UserStore open = SqliteUserStore.open(store, 2, Duration.ofSeconds(5), java.time.Clock.systemUTC())) {
            List<ExportedUser> users = new ArrayList<>();
            open.exportAll(users::add);
            return users;
        }
    }

    @Test
    void exportToStandardOutputWritesTheFileAndSaysWhatItDidOnStandardError() {
        int code = run(on(source, "data", "export"));

        assertThat(code).as(err()).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines).hasSize(7);
        assertThat(lines.getFirst()).startsWith("{\"format\":\"users-service/export\",\"version\":1,");
        assertThat(lines.getFirst()).contains("\"source\":\"sqlite " + source.toAbsolutePath());
        assertThat(lines.get(1))
                .startsWith("{\"id\":10,")
                .contains("\"passwordHash\":\"" + DataTransferTest.storedHash(10) + "\"");
        assertThat(lines.getLast()).isEqualTo("{\"end\":true,\"users\":5}");
        assertThat(err()).contains("Exported 5 users from sqlite " + source.toAbsolutePath());
    }

    @Test
    void exportToAFileWritesItOwnerOnlyLeavesNoTemporaryFileAndReplacesAnOldExport() throws IOException {
        Path file = dir.resolve("exports").resolve("users.jsonl");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "an older export");

        int code = run(on(source, "data", "export", "--to", file.toString()));

        assertThat(code).as(err()).isZero();
        assertThat(out())
                .contains("Exported 5 users from sqlite")
                .contains(file.toString())
                .contains("owner-only");
        assertThat(Files.readAllLines(file)).hasSize(7).last().isEqualTo("{\"end\":true,\"users\":5}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void exportToAMissingDirectoryOrFromAMissingDatabaseFailsWithTheFixAndCreatesNothing() {
        assertThat(run(on(
                        source,
                        "data",
                        "export",
                        "--to",
                        dir.resolve("nope/users.jsonl").toString())))
                .isEqualTo(1);
        assertThat(err()).contains("does not exist; create it first");

        Path missing = dir.resolve("typo").resolve("users.db");
        assertThat(run(on(missing, "data", "export"))).isEqualTo(1);
        assertThat(err()).contains("'" + missing + "', which does not exist");
        assertThat(missing).doesNotExist();
    }

    @Test
    void importIntoAnEmptyStoreCreatesEveryUserAsExportedAndASecondRunChangesNothing() {
        Path file = dir.resolve("users.jsonl");
        assertThat(run(on(source, "data", "export", "--to", file.toString()))).isZero();

        int first = run(on(target, "data", "import", "--from", file.toString()));

        assertThat(first).as(err()).isZero();
        assertThat(out())
                .contains("Imported 5 users from " + file)
                .contains("from sqlite " + source.toAbsolutePath())
                .contains("into sqlite " + target.toAbsolutePath())
                .contains("5 created, 0 updated, 0 unchanged");
        assertThat(usersOf(target)).isEqualTo(usersOf(source));

        int second = run(on(target, "data", "import", "--from", file.toString()));

        assertThat(second).as(err()).isZero();
        assertThat(out()).contains("0 created, 0 updated, 5 unchanged");
    }

    @Test
    void aTruncatedFileIsRefusedWithItsLineAndNothingIsImported() throws IOException {
        Path file = dir.resolve("users.jsonl");
        assertThat(run(on(source, "data", "export", "--to", file.toString()))).isZero();
        String whole = Files.readString(file);
        Files.writeString(file, whole.substring(0, whole.indexOf("{\"id\":40") + 20)); // cut inside line 5

        int code = run(on(target, "data", "import", "--from", file.toString()));

        assertThat(code).isEqualTo(65);
        assertThat(err())
                .contains("data import: '" + file + "' line 5: it is not complete JSON")
                .contains("truncated")
                .contains("Nothing was imported");
        assertThat(usersOf(target)).isEmpty();

        Files.writeString(file, whole.substring(0, whole.indexOf("{\"end\""))); // cut between two lines
        assertThat(run(on(target, "data", "import", "--from", file.toString()))).isEqualTo(65);
        assertThat(err()).contains("line 7: the file ends after 5 user(s) without the end line");
        assertThat(usersOf(target)).isEmpty();
    }

    @Test
    void anEmailTheTargetHasForAnotherUserStopsAtThatLineAndARerunAfterTheFixCompletes() throws IOException {
        Path file = dir.resolve("users.jsonl");
        assertThat(run(on(source, "data", "export", "--to", file.toString()))).isZero();
        try (UserStore store = SqliteUserStore.open(target, 2, Duration.ofSeconds(5), java.time.Clock.systemUTC())) {
            store.create(new UserDraft("Squatter", "USER3@example.org", List.of("reader"), Optional.empty()));
        }

        int code = run(on(target, "data", "import", "--from", file.toString()));

        assertThat(code).isEqualTo(65);
        assertThat(err())
                .contains("line 4: user 30 has email 'user3@example.org', which another user of the target store has")
                .contains("stopped after 2 of 5 users (2 created, 0 updated, 0 unchanged)")
                .contains("run the same import again");
        assertThat(usersOf(target)).extracting(ExportedUser::id).containsExactly(1L, 10L, 20L);

        try (UserStore store = SqliteUserStore.open(target, 2, Duration.ofSeconds(5), java.time.Clock.systemUTC())) {
            store.delete(1);
        }
        assertThat(run(on(target, "data", "import", "--from", file.toString())))
                .as(err())
                .isZero();
        assertThat(out()).contains("3 created, 0 updated, 2 unchanged");
        assertThat(usersOf(target)).isEqualTo(usersOf(source));
    }

    @Test
    void aPasswordHashALoginCouldNotCheckIsRefusedWithItsLineAndNothingIsImported() throws IOException {
        Path file = dir.resolve("users.jsonl");
        assertThat(run(on(source, "data", "export", "--to", file.toString()))).isZero();
        String whole = Files.readString(file);
        for (String hash : List.of("not-a-hash", "pbkdf2-sha256$100000000$c2FsdA$aGFzaA")) {
            Files.writeString(file, whole.replace(DataTransferTest.storedHash(30), hash)); // user 30, line 4

            int code = run(on(target, "data", "import", "--from", file.toString()));

            assertThat(code).as(err()).isEqualTo(65);
            assertThat(err())
                    .contains("data import: '" + file + "' line 4: \"passwordHash\" of user 30 cannot be checked at"
                            + " login")
                    .contains("Nothing was imported")
                    .doesNotContain(hash);
            assertThat(usersOf(target)).isEmpty();
        }
    }

    @Test
    void aFileThatIsNotAnExportIsRefusedWithExitCode65() throws IOException {
        Path csv = Files.writeString(dir.resolve("users.csv"), "id,name\n1,Ada\n");

        assertThat(run(on(target, "data", "import", "--from", csv.toString()))).isEqualTo(65);
        assertThat(err()).contains("line 1: it is not complete JSON");
    }

    @Test
    void usageMistakesAndAStoreInMemoryAreRefusedWithTheirExitCodes() {
        assertThat(run("data")).isEqualTo(2);
        assertThat(err()).contains("data export [--to FILE] | data import --from FILE");

        assertThat(run(on(target, "data", "import"))).isEqualTo(2);
        assertThat(err()).contains("--from");

        assertThat(run(on(
                        target,
                        "data",
                        "import",
                        "--from",
                        dir.resolve("missing.jsonl").toString())))
                .isEqualTo(1);
        assertThat(err()).contains("is not a file");

        assertThat(run("data", "export", "--set", "data-dir=" + dir, "--set", "store.url=memory:"))
                .isEqualTo(78);
        assertThat(err()).contains("store.url").contains("'memory:'");
    }

    @Test
    void anImportRunsBesideAServiceOnTheSameSqliteFileAndTheServiceSeesTheUsers() {
        Path file = dir.resolve("users.jsonl");
        assertThat(run(on(source, "data", "export", "--to", file.toString()))).isZero();
        Path serviceDir = dir.resolve("service");
        try (RunningUsersService service = RunningUsersService.start(serviceDir)) {
            assertThat(service.api
                            .post("/api/v1/users", "{\"name\":\"Early\",\"email\":\"early@example.org\"}")
                            .status())
                    .isEqualTo(201);

            int code = run(on(serviceDir.resolve("users.db"), "data", "import", "--from", file.toString()));

            assertThat(code).as(err()).isZero();
            assertThat(out()).contains("5 created");
            assertThat(service.api.get("/api/v1/users/50").status()).isEqualTo(200);
            assertThat(service.api
                            .post("/api/v1/users", "{\"name\":\"Late\",\"email\":\"late@example.org\"}")
                            .json()
                            .path("id")
                            .asLong())
                    .as("created by the service after the import")
                    .isGreaterThan(50);
        }
    }
}
