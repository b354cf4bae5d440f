package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A password file's first line is the password, whatever line break follows it. */
class PasswordFileTest {

    @TempDir
    Path dir;

    @Test
    void theFirstLineWithoutItsLineBreakIsThePassword() throws Exception {
        assertThat(PasswordFile.read(Files.writeString(dir.resolve("a"), "s3cret"), "x"))
                .isEqualTo("s3cret");
        assertThat(PasswordFile.read(Files.writeString(dir.resolve("b"), "s3cret\n"), "x"))
                .isEqualTo("s3cret");
        assertThat(PasswordFile.read(Files.writeString(dir.resolve("c"), "s3cret\r\nnext\n"), "x"))
                .isEqualTo("s3cret");
        assertThat(PasswordFile.read(Files.writeString(dir.resolve("d"), " with spaces \n"), "x"))
                .as("spaces are part of a password")
                .isEqualTo(" with spaces ");
    }

    @Test
    void anEmptyFirstLineIsRefusedNamingTheFileNotTheContentAndAMissingFileIsAnIoError() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\nsecret-on-line-two\n");

        assertThatThrownBy(() -> PasswordFile.read(empty, "the etcd user's"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"" + empty + "\" holds no password (its first line is empty); write the etcd user's"
                        + " password on its first line");
        assertThatThrownBy(() -> PasswordFile.read(dir.resolve("missing"), "x"))
                .isInstanceOf(NoSuchFileException.class);
    }
}
