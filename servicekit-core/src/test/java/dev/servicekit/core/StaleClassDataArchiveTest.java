package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleClassDataArchiveTest {

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

        assertThat(StaleClassDataArchive.discardIfStale(arguments, jar)).isEmpty();
        assertThat(archive).exists();

        Files.setLastModifiedTime(jar, FileTime.from(now)); // the jar replaced in place
        assertThat(StaleClassDataArchive.discardIfStale(arguments, jar)).contains(archive);
        assertThat(archive).doesNotExist();
        assertThat(StaleClassDataArchive.discardIfStale(arguments, jar)).isEmpty();
    }

    @Test
    void anArchiveTheJvmDoesNotRecreateItselfIsLeftAlone() throws Exception {
        Path jar = Files.write(dir.resolve("app.jar"), new byte[] {1});
        Path archive = Files.write(dir.resolve("given.jsa"), new byte[] {2});
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(60)));

        assertThat(StaleClassDataArchive.discardIfStale(List.of("-XX:SharedArchiveFile=" + archive), jar))
                .as("an archive an operator made with -XX:ArchiveClassesAtExit is theirs")
                .isEmpty();
        assertThat(archive).exists();
    }
}
