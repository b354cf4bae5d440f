package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SystemdEnvironmentTest {

    @Test
    void shownAssignmentsReadBackWhatShellMaybeQuoteWrote() {
        // As systemd 252 prints Environment="A=plain" "B=with space" "C=a\"b\\c$d`e" "D=line1\nline2" E=x=y
        String shown = "A=plain \"B=with space\" \"C=a\\\"b\\\\c\\$d\\`e\" \"D=line1\\nline2\\ttab\" E=x=y"
                + " \"F=caf\u00e9 \\033[0m\" \"G=\\303\\251\" H=";

        assertThat(SystemdEnvironment.shownAssignments(shown))
                .contains(ordered(
                        "A", "plain",
                        "B", "with space",
                        "C", "a\"b\\c$d`e",
                        "D", "line1\nline2\ttab",
                        "E", "x=y",
                        "F", "caf\u00e9 \u001b[0m",
                        "G", "\u00e9",
                        "H", ""));
        assertThat(SystemdEnvironment.shownAssignments("")).contains(Map.of());
    }

    @Test
    void shownAssignmentsAreNotGuessedWhenAWordCannotBeReadBackExactly() {
        for (String shown : List.of(
                "A=b c", // an older systemd that did not quote: "c" is no assignment
                "\"A=unterminated",
                "\"A=b\\q\"", // an escape systemd does not write
                "\"A=b\"c", // a quote ends in the middle of a word
                "A=b\"c",
                "=value",
                "\"A=\\377\"")) { // not UTF-8
            assertThat(SystemdEnvironment.shownAssignments(shown)).as(shown).isEmpty();
        }
    }

    @Test
    void unsetEnvironmentRemovesANameOrOnlyTheGivenValue() {
        Map<String, String> variables = new LinkedHashMap<>(Map.of("A", "1", "B", "2", "C", "3"));
        Optional<Map<String, Optional<String>>> unsets = SystemdEnvironment.shownUnsets("A B=other \"C=3\"");

        assertThat(unsets).isPresent();
        SystemdEnvironment.unset(variables, unsets.get());

        assertThat(variables).containsExactly(Map.entry("B", "2"));
    }

    @Test
    void environmentFilesAreReadFromEveryShownLineInOrder() {
        String show = """
                LoadState=loaded
                EnvironmentFiles=/etc/users-service/env (ignore_errors=no)
                EnvironmentFiles=/etc/users service/opt (ignore_errors=yes)
                MainPID=0
                """;

        assertThat(SystemdEnvironment.shownEnvironmentFiles(show))
                .containsExactly(
                        new SystemdEnvironment.EnvironmentFile("/etc/users-service/env", false),
                        new SystemdEnvironment.EnvironmentFile("/etc/users service/opt", true));
    }

    @Test
    void anEnvironmentFileIsReadWithSystemdsSyntaxNotAShells() {
        String file = """
                # a comment \\
                  continued, still a comment
                ; another comment
                   USERS_SERVICE_MANAGEMENT_PORT = 9100
                PLAIN=a b   \s
                SINGLE='it''s $HOME \\n'
                DOUBLE="say \\"hi\\" \\$HOME \\\\ \\n"  \s
                ESCAPED=a\\ \\#b\\
                c
                CONTINUED="one \\
                two"
                NOEQUALS
                1BAD=x
                EMPTY=
                QUOTED_THEN=  "x"y
                PLAIN=again
                LAST=no newline""";

        assertThat(SystemdEnvironment.environmentFile(file))
                .containsExactlyEntriesOf(ordered(
                        "USERS_SERVICE_MANAGEMENT_PORT", "9100",
                        "SINGLE", "its $HOME \\n",
                        "DOUBLE", "say \"hi\" $HOME \\ \\n",
                        "ESCAPED", "a #bc",
                        "CONTINUED", "one two",
                        "EMPTY", "",
                        "QUOTED_THEN", "xy",
                        "PLAIN", "again",
                        "LAST", "no newline"));
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
