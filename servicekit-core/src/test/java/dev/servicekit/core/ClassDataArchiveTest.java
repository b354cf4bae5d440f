package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataArchiveTest {

    @TempDir
    Path dir;

    @Test
    void anArchiveOlderThanTheJarIsDeletedAndANewerOneKept() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1});
        Path archive = Files.write(dir.resolve("app.jsa"), new byte[] {2});
        List<String> arguments =
                List.of("-Xmx128m", "-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive");
        Instant now = Instant.now();
        Files.setLastModifiedTime(archive, FileTime.from(now.minusSeconds(60)));
        Files.setLastModifiedTime(jar, FileTime.from(now.minusSeconds(120)));

        assertThat(ClassDataArchive.discardIfStale(arguments, jar)).isEmpty();
        assertThat(archive).exists();

        Files.setLastModifiedTime(jar, FileTime.from(now)); // the jar replaced in place
        assertThat(ClassDataArchive.discardIfStale(arguments, jar)).contains(archive);
        assertThat(archive).doesNotExist();
        assertThat(ClassDataArchive.discardIfStale(arguments, jar)).isEmpty();
    }

    @Test
    void anArchiveTheJvmDoesNotRecreateItselfIsLeftAlone() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1});
        Path archive = Files.write(dir.resolve("given.jsa"), new byte[] {2});
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(60)));

        assertThat(ClassDataArchive.discardIfStale(List.of("-XX:SharedArchiveFile=" + archive), jar))
                .as("an archive an operator made with -XX:ArchiveClassesAtExit is theirs")
                .isEmpty();
        assertThat(archive).exists();
    }

    @Test
    void anArchiveTheJvmWillWriteWhereItCannotIsNamedWithTheReason() throws Exception {
        Path archive = dir.resolve("app.jsa");
        List<String> arguments = List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive");

        assertThat(ClassDataArchive.whyItCannotBeWritten(arguments, 0))
                .as("room, writable")
                .isEmpty();
        assertThat(ClassDataArchive.whyItCannotBeWritten(arguments, Long.MAX_VALUE))
                .as("less free space than asked")
                .hasValueSatisfying(why -> assertThat(why)
                        .startsWith(archive + ": " + dir + " has ")
                        .endsWith(" MB free"));
        assertThat(ClassDataArchive.whyItCannotBeWritten(
                        List.of("-XX:SharedArchiveFile=" + dir.resolve("gone/app.jsa"), "-XX:+AutoCreateSharedArchive"),
                        0))
                .contains(dir.resolve("gone/app.jsa") + ": its directory does not exist");

        Files.write(archive, new byte[] {1});
        assertThat(ClassDataArchive.whyItCannotBeWritten(arguments, Long.MAX_VALUE))
                .as("an archive that is there is mapped, not written")
                .isEmpty();
        assertThat(ClassDataArchive.whyItCannotBeWritten(List.of("-XX:SharedArchiveFile=" + dir.resolve("x.jsa")), 0))
                .as("without -XX:+AutoCreateSharedArchive the JVM writes nothing")
                .isEmpty();
        assertThat(ClassDataArchive.whyItCannotBeWritten(List.of("-Xmx64m"), Long.MAX_VALUE))
                .isEmpty();
    }
}
