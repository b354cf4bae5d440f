package dev.servicekit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JournalStreamTest {

    @TempDir
    Path dir;

    @Test
    void matchesOnlyTheDeviceAndInodeOfTheStream() throws IOException {
        Path stream = Files.writeString(dir.resolve("stream"), "");
        Path other = Files.writeString(dir.resolve("other"), "");
        String id = JournalStream.deviceAndInode(stream).orElseThrow();

        assertThat(JournalStream.isStdout(Map.of("JOURNAL_STREAM", id), stream)).isTrue();
        assertThat(JournalStream.isStdout(Map.of("JOURNAL_STREAM", id), other)).isFalse();
        assertThat(JournalStream.isStdout(Map.of(), stream)).isFalse();
        assertThat(JournalStream.isStdout(Map.of("JOURNAL_STREAM", "garbage"), stream)).isFalse();
    }
}
