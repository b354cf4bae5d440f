package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "plain",
                "with space",
                "trailing\\",
                "trailing space\\",
                "two\\\\",
                "x\\\\ y\\\\",
                "\"",
                "\\\"",
                "a\\\\\"b c",
                "C:\\Program Files\\Java\\bin\\java.exe",
                "  ",
                "end\\\"",
                "mixed \"quotes\" and \\\\ slashes\\"
            })
    void everyArgumentSurvivesTheRoundTripThroughTheWindowsParser(String arg) {
        List<String> args = List.of("first", arg, "last");
        assertThat(CommandLineToArgv.parse(WindowsCommandLine.join(args))).containsExactlyElementsOf(args);
        assertThat(CommandLineToArgv.parse(WindowsCommandLine.quoteAlways(arg))).containsExactly(arg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C:\\apps\\users.jar", "C:\\Program Files\\Users Service\\users.jar"})
    void quoteAlwaysQuotesEvenPathsWithoutSpaces(String path) {
        assertThat(WindowsCommandLine.quoteAlways(path)).isEqualTo("\"" + path + "\"");
    }
}
