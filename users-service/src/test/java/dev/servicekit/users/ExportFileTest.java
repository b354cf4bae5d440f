package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export file format: what the writer writes, and every way the reader refuses a file, naming the line. */
class ExportFileTest {

    static final Instant EXPORTED_AT = Instant.parse("2026-12-04T10:00:00Z");
    static final ExportedUser ADA = new ExportedUser(
            new User(
                    3,
                    "Ada Lovelace",
                    "ada@example.org",
                    List.of("admin", "reader"),
                    Instant.parse("2026-01-02T03:04:05.600Z"),
                    Instant.parse("2026-02-03T04:05:06.789Z"),
                    4),
            Optional.of("pbkdf2-sha256$1000$c2FsdA$aGFzaA"));
    static final ExportedUser BOB = new ExportedUser(
            new User(
                    9,
                    "Bob \"the\" Builder ✓",
                    "bob@example.org",
                    List.of(),
                    Instant.parse("2026-01-02T03:04:05Z"),
                    Instant.parse("2026-01-02T03:04:05Z"),
                    1),
            Optional.empty());

    @TempDir
    Path dir;

    static String export(ExportedUser... users) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExportFile.Writer writer = new ExportFile.Writer(out, EXPORTED_AT, "sqlite /var/lib/users-service/users.db");
        for (ExportedUser user : users) {
            writer.user(user);
        }
        assertThat(writer.finish()).isEqualTo(users.length);
        return out.toString(StandardCharsets.UTF_8);
    }

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("users.jsonl"), content);
    }

    private List<ExportedUser> readAll(Path file) {
        List<ExportedUser> users = new ArrayList<>();
        try (ExportFile.Reader reader = ExportFile.Reader.open(file)) {
            reader.forEachRemaining(users::add);
        }
        return users;
    }

    @Test
    void theWriterWritesAHeaderOneLinePerUserWithMillisecondTimesAndAnEndLine() {
        assertThat(export(ADA, BOB).lines())
                .containsExactly(
                        "{\"format\":\"users-service/export\",\"version\":1,\"exportedAt\":\"2026-12-04T10:00:00.000Z\","
                                + "\"source\":\"sqlite /var/lib/users-service/users.db\"}",
                        "{\"id\":3,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.org\",\"roles\":[\"admin\",\"reader\"],"
                                + "\"passwordHash\":\"pbkdf2-sha256$1000$c2FsdA$aGFzaA\","
                                + "\"createdAt\":\"2026-01-02T03:04:05.600Z\",\"updatedAt\":\"2026-02-03T04:05:06.789Z\","
                                + "\"version\":4}",
                        "{\"id\":9,\"name\":\"Bob \\\"the\\\" Builder ✓\",\"email\":\"bob@example.org\",\"roles\":[],"
                                + "\"passwordHash\":null,\"createdAt\":\"2026-01-02T03:04:05.000Z\","
                                + "\"updatedAt\":\"2026-01-02T03:04:05.000Z\",\"version\":1}",
                        "{\"end\":true,\"users\":2}");
        assertThat(export(ADA)).endsWith("}\n");
    }

    @Test
    void whatTheWriterWritesTheReaderReadsBackWithTheHeader() throws IOException {
        Path file = file(export(ADA, BOB));

        try (ExportFile.Reader reader = ExportFile.Reader.open(file)) {
            assertThat(reader.source()).isEqualTo("sqlite /var/lib/users-service/users.db");
            assertThat(reader.exportedAt()).isEqualTo("2026-12-04T10:00:00.000Z");
            assertThat(reader.next()).isEqualTo(ADA);
            assertThat(reader.next()).isEqualTo(BOB);
            assertThat(reader.hasNext()).isFalse();
            assertThat(reader.users()).isEqualTo(2);
        }
        assertThat(readAll(file(export()))).isEmpty();
        assertThat(readAll(file(export(ADA, BOB).replace("\n", "\r\n"))))
                .as("CRLF line ends")
                .containsExactly(ADA, BOB);
    }

    private void assertRefused(String content, long line, String... fragments) throws IOException {
        Path file = file(content);
        assertThatThrownBy(() -> readAll(file))
                .isInstanceOfSatisfying(
                        ExportFileException.class, e -> assertThat(e.line()).isEqualTo(line))
                .hasMessageStartingWith("'" + file + "' line " + line + ": ")
                .hasMessageContainingAll(fragments);
    }

    @Test
    void aFileThatIsNotAnExportIsRefusedAtItsFirstLine() throws IOException {
        assertRefused("", 1, "the file is empty", "not an export");
        assertRefused("id,name,email\n1,Ada,ada@example.org\n", 1, "not complete JSON");
        assertRefused("{\"id\":1}\n", 1, "not the header of a users-service export", "data export");
        assertRefused("{\"format\":\"other-service/export\",\"version\":1}\n", 1, "'other-service/export'");
        assertRefused("[1,2]\n", 1, "not a JSON object");
    }

    @Test
    void aNewerFormatVersionIsRefusedWithTheFix() throws IOException {
        assertRefused(
                export(ADA).replace("\"version\":1,\"exportedAt\"", "\"version\":2,\"exportedAt\""),
                1,
                "format version 2",
                "reads version 1",
                "or a newer one");
    }

    @Test
    void aFileCutInsideALineIsRefusedAtThatLine() throws IOException {
        String whole = export(ADA, BOB);
        String cut = whole.substring(0, whole.indexOf("\"id\":9") + 10);

        assertRefused(cut, 3, "not complete JSON", "truncated");
    }

    @Test
    void aFileCutBetweenTwoLinesIsRefusedAsTruncated() throws IOException {
        String whole = export(ADA, BOB);
        String withoutEnd = whole.substring(0, whole.indexOf("{\"end\""));

        assertRefused(withoutEnd, 4, "ends after 2 user(s) without the end line", "truncated");
    }

    @Test
    void anEndLineThatCountsOtherwiseOrAnythingAfterItIsRefused() throws IOException {
        assertRefused(export(ADA, BOB).replace("\"users\":2", "\"users\":3"), 4, "says 3 user(s) but the file has 2");
        assertRefused(export(ADA) + "{\"id\":10}\n", 4, "nothing may follow the end line");
        assertRefused(export(ADA) + "\n", 4, "nothing may follow the end line");
    }

    @Test
    void eachBadUserLineIsRefusedNamingTheLineAndTheField() throws IOException {
        String ada = export(ADA).lines().toList().get(1);
        String header = export().lines().findFirst().orElseThrow() + "\n";

        assertRefused(header + ada.replace("\"version\":4", "\"version\":4,\"admin\":true") + "\n", 2, "\"admin\"");
        assertRefused(
                header + ada.replace(",\"passwordHash\":\"pbkdf2-sha256$1000$c2FsdA$aGFzaA\"", "") + "\n",
                2,
                "\"passwordHash\" is missing");
        assertRefused(header + ada.replace("\"id\":3", "\"id\":\"3\"") + "\n", 2, "\"id\" must be a whole number");
        assertRefused(header + ada.replace("\"id\":3", "\"id\":0") + "\n", 2, "'0'");
        assertRefused(header + ada.replace("\"version\":4", "\"version\":0") + "\n", 2, "version");
        assertRefused(
                header + ada.replace("\"email\":\"ada@example.org\"", "\"email\":\" \"") + "\n",
                2,
                "\"email\" is empty");
        assertRefused(
                header + ada.replace("[\"admin\",\"reader\"]", "[\"read er\"]") + "\n", 2, "\"read er\"", "not a role");
        assertRefused(
                header + ada.replace("[\"admin\",\"reader\"]", "\"admin\"") + "\n", 2, "\"roles\" must be an array");
        assertRefused(
                header + ada.replace("2026-01-02T03:04:05.600Z", "yesterday") + "\n", 2, "'yesterday'", "ISO-8601");
        assertRefused(header + ada.replace("\"pbkdf2-sha256$1000$c2FsdA$aGFzaA\"", "42") + "\n", 2, "\"passwordHash\"");
        assertRefused(header + ada.replace("\"name\":", "\"name\":1,\"name\":") + "\n", 2, "not complete JSON");
        assertRefused(header + ada + " trailing\n", 2, "not complete JSON");
        assertRefused(header + "\n", 2, "the line is empty");
        assertRefused(
                header + ada.replace("\"name\":\"Ada", "\"name\":\"Ada \\udc00") + "\n",
                2,
                "\"name\" is not Unicode text",
                "unpaired surrogate");
        assertThat(readAll(file(header + ada.replace("\"name\":\"Ada", "\"name\":\"Ada \\ud83d\\ude00")
                                + "\n{\"end\":true,\"users\":1}\n"))
                        .getFirst()
                        .user()
                        .name())
                .as("a surrogate pair is one character")
                .isEqualTo("Ada \uD83D\uDE00 Lovelace");
    }

    @Test
    void idsMustIncreaseLineByLine() throws IOException {
        List<String> lines = export(BOB, ADA).lines().toList();

        assertRefused(String.join("\n", lines) + "\n", 3, "user id 3 follows id 9");
        assertRefused(export(ADA, ADA), 3, "user id 3 follows id 3");
    }

    @Test
    void invalidUtf8AndOverlongLinesAreRefused() throws IOException {
        String header = export().lines().findFirst().orElseThrow() + "\n";
        Path file = dir.resolve("latin1.jsonl");
        Files.write(file, (header + "{\"id\":1,\"name\":\"").getBytes(StandardCharsets.UTF_8));
        Files.write(file, new byte[] {(byte) 0xE9, '"', '}', '\n'}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> readAll(file))
                .isInstanceOf(ExportFileException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("not valid UTF-8");

        assertRefused(header + "x".repeat(ExportFile.MAX_LINE_BYTES + 1), 2, "longer than 65536 bytes");
    }
}
