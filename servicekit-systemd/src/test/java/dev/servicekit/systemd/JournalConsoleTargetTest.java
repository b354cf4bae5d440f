package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalConsoleTargetTest {

    @TempDir
    Path dir;

    @Test
    void readsStdoutOnlyWhenJournalStreamNamesTheDeviceAndInodeOfTheStream() throws IOException {
        Path stream = Files.writeString(dir.resolve("stream"), "");
        Path other = Files.writeString(dir.resolve("other"), "");
        String id = JournalConsoleTarget.deviceAndInode(stream).orElseThrow();

        assertThat(new JournalConsoleTarget(stream).readsStdout(Map.of("JOURNAL_STREAM", id)))
                .isTrue();
        assertThat(new JournalConsoleTarget(other).readsStdout(Map.of("JOURNAL_STREAM", id)))
                .isFalse();
        assertThat(new JournalConsoleTarget(stream).readsStdout(Map.of())).isFalse();
        assertThat(new JournalConsoleTarget(stream).readsStdout(Map.of("JOURNAL_STREAM", "garbage")))
                .isFalse();
    }

    @Test
    void linesCarryTheSyslogPriorityAndNoTimestamp() {
        JournalConsoleTarget journal = new JournalConsoleTarget(dir);
        assertThat(journal.linePrefix(3)).isEqualTo("<3>");
        assertThat(journal.linePrefix(7)).isEqualTo("<7>");
        assertThat(journal.timestamps()).isFalse();
    }
}
