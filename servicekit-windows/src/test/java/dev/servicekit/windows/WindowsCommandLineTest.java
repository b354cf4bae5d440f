package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class WindowsCommandLineTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '\'',
            value = {
                "plain                        | plain",
                "C:\\dir\\file.yml            | C:\\dir\\file.yml",
                "'with space'                 | '\"with space\"'",
                "''                           | '\"\"'",
                "'tab\there'                  | '\"tab\there\"'",
                "'say \"hi\"'                 | '\"say \\\"hi\\\"\"'",
                "'a\"b'                       | '\"a\\\"b\"'",
                "'C:\\Program Files\\app\\'   | '\"C:\\Program Files\\app\\\\\"'",
                "'C:\\Program Files\\app\\\\' | '\"C:\\Program Files\\app\\\\\\\\\"'",
                "'back\\\\\"quote'            | '\"back\\\\\\\\\\\"quote\"'",
                "'C:\\trailing\\'             | 'C:\\trailing\\'",
                "-Dkey=a b                    | '\"-Dkey=a b\"'",
            })
    void quotesOnlyWhenNeededAndEscapesQuotesAndTrailingBackslashes(String arg, String expected) {
        assertThat(WindowsCommandLine.quote(arg)).isEqualTo(expected);
    }

    private static final String JAVA = "C:\\Program Files\\Java\\bin\\java.exe";

    /** Words that need quotes, escapes, or neither; {@code %} is not special to the C runtime. */
    private static final List<String> NASTY = List.of(
            "",
            "plain",
            "with space",
            "trailing\\",
            "trailing space\\",
            "two\\\\",
            "x\\\\ y\\\\",
            "\"",
            "\"\"",
            "\\\"",
            "a\\\\\"b c",
            "C:\\Program Files\\Java\\bin\\java.exe",
            "  ",
            "\t",
            "end\\\"",
            "mixed \"quotes\" and \\\\ slashes\\",
            "%ProgramData%\\users-service",
            "100%",
            "data-dir=C:\\Users Data\\svc\\");

    static Stream<String> nastyWords() {
        return NASTY.stream();
    }

    @ParameterizedTest
    @MethodSource("nastyWords")
    void everyArgumentSurvivesTheRoundTripThroughTheWindowsParser(String arg) {
        List<String> args = List.of("first", arg, "last");
        assertThat(WindowsCommandLine.split(WindowsCommandLine.quoteAlways(JAVA) + " " + WindowsCommandLine.join(args)))
                .containsExactly(JAVA, "first", arg, "last");
        assertThat(WindowsCommandLine.split("p.exe " + WindowsCommandLine.quoteAlways(arg)))
                .containsExactly("p.exe", arg);
    }

    @Test
    void allTheNastyWordsTogetherSurviveTheRoundTrip() {
        List<String> words = new ArrayList<>(List.of(JAVA));
        words.addAll(NASTY);
        words.addAll(NASTY);

        assertThat(WindowsCommandLine.split(WindowsCommandLine.quoteAlways(JAVA) + " "
                        + WindowsCommandLine.join(words.subList(1, words.size()))))
                .containsExactlyElementsOf(words);
    }

    /**
     * Command lines with the words the C runtime gives (the table in "Parsing C++ command-line arguments", and the
     * cases of the JDK launcher's own splitter); the first word is the program.
     */
    static Stream<Arguments> commandLines() {
        return Stream.of(
                Arguments.of("p \"a b c\" d e", List.of("p", "a b c", "d", "e")),
                Arguments.of("p \"ab\\\"c\" \"\\\\\" d", List.of("p", "ab\"c", "\\", "d")),
                Arguments.of("p a\\\\\\b d\"e f\"g h", List.of("p", "a\\\\\\b", "de fg", "h")),
                Arguments.of("p a\\\\\\\"b c d", List.of("p", "a\\\"b", "c", "d")),
                Arguments.of("p a\\\\\\\\\"b c\" d e", List.of("p", "a\\\\b c", "d", "e")),
                Arguments.of("p a\"b\"\" c d", List.of("p", "ab\" c d")),
                Arguments.of("p \"a b c\"\"", List.of("p", "a b c\"")),
                Arguments.of("p \"\"\"a b c\"\"\"", List.of("p", "\"a b c\"")),
                Arguments.of("p \"\"a b c\"\"", List.of("p", "a", "b", "c")),
                Arguments.of("p \"C:\\TEST A\\\\\"", List.of("p", "C:\\TEST A\\")),
                Arguments.of("p \"\" x \"\"", List.of("p", "", "x", "")),
                Arguments.of("p \"open to the end", List.of("p", "open to the end")),
                Arguments.of("  p \t a  \t b\t ", List.of("p", "a", "b")),
                Arguments.of("p %ProgramData%\\svc \"%x%\"", List.of("p", "%ProgramData%\\svc", "%x%")),
                // the program: quotes toggle, backslashes are literal, even before a quote
                Arguments.of(
                        "\"C:\\Program Files\\Java\\bin\\java.exe\" -jar \"C:\\a b\\u.jar\" service",
                        List.of("C:\\Program Files\\Java\\bin\\java.exe", "-jar", "C:\\a b\\u.jar", "service")),
                Arguments.of("\"C:\\odd dir\\\"x.exe -v", List.of("C:\\odd dir\\x.exe", "-v")),
                Arguments.of("C:\\java\\bin\\java.exe\t-version", List.of("C:\\java\\bin\\java.exe", "-version")),
                Arguments.of("", List.of()),
                Arguments.of(" \t ", List.of()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("commandLines")
    void splitsCommandLinesAsTheCRuntimeDoes(String line, List<String> words) {
        assertThat(WindowsCommandLine.split(line)).containsExactlyElementsOf(words);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C:\\apps\\users.jar", "C:\\Program Files\\Users Service\\users.jar"})
    void quoteAlwaysQuotesEvenPathsWithoutSpaces(String path) {
        assertThat(WindowsCommandLine.quoteAlways(path)).isEqualTo("\"" + path + "\"");
    }
}
