package dev.servicekit.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellWordsTest {

    @Test
    void wordsAreQuotedOnlyWhenTheyNeedIt() {
        assertThat(ShellWords.quote("-Dservicekit.jvm-options=given")).isEqualTo("-Dservicekit.jvm-options=given");
        assertThat(ShellWords.quote("gui/501:x@y,%+")).isEqualTo("gui/501:x@y,%+");
        assertThat(ShellWords.quote("/opt/my app/java")).isEqualTo("'/opt/my app/java'");
        assertThat(ShellWords.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(ShellWords.quote("")).isEqualTo("''");
        assertThat(ShellWords.quote("$HOME")).isEqualTo("'$HOME'");
        assertThat(ShellWords.quote("café")).isEqualTo("'café'");
    }

    @Test
    void aCommandLineIsItsWordsQuotedAndJoinedBySpaces() {
        assertThat(ShellWords.join(List.of("/opt/my app/java", "-jar", "app.jar", "run")))
                .isEqualTo("'/opt/my app/java' -jar app.jar run");
        assertThat(ShellWords.join(List.of())).isEmpty();
    }
}
