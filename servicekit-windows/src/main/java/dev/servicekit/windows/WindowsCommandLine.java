package dev.servicekit.windows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds Windows command lines that {@code CommandLineToArgvW} and the C runtime split back into exactly the
 * arguments given (the rules in "Parsing C++ command-line arguments"): an argument is quoted when it is empty
 * or contains whitespace or a quote; inside quotes, backslashes are literal unless they precede a quote, so a
 * run of n backslashes before a quote becomes 2n+1 backslashes, and before the closing quote 2n. {@link #split}
 * is the inverse: it splits a command line as the C runtime does.
 */
final class WindowsCommandLine {

    private WindowsCommandLine() {}

    /** The argument as-is when it needs no quotes, else quoted. */
    static String quote(String arg) {
        if (!arg.isEmpty() && arg.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '"')) {
            return arg;
        }
        return quoteAlways(arg);
    }

    /**
     * The argument always in quotes. Used for the executable and the jar in {@code ImagePath}: an unquoted path
     * with spaces would let Windows try {@code C:\Program.exe} first (the "unquoted service path" weakness).
     */
    static String quoteAlways(String arg) {
        StringBuilder out = new StringBuilder(arg.length() + 2).append('"');
        int backslashes = 0;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c == '\\') {
                backslashes++;
                continue;
            }
            if (c == '"') {
                out.append("\\".repeat(2 * backslashes + 1)).append('"');
            } else {
                out.append("\\".repeat(backslashes)).append(c);
            }
            backslashes = 0;
        }
        // the closing quote follows: double the trailing backslashes so it is not escaped
        return out.append("\\".repeat(2 * backslashes)).append('"').toString();
    }

    /** The arguments quoted where needed and joined with single spaces. */
    static String join(List<String> args) {
        return args.stream().map(WindowsCommandLine::quote).collect(Collectors.joining(" "));
    }

    /**
     * The words of a command line, split as the Microsoft C runtime splits a program's command line into
     * {@code argv} (the rules in "Parsing C++ command-line arguments"), which is how {@code java.exe} reads the
     * image path the SCM starts it with:
     *
     * <ol>
     *   <li>The first word, the program, has simpler rules: a quote toggles quoting and is dropped, a backslash is
     *       literal, and the word ends at a space or tab outside quotes ({@code "C:\Program Files\x.exe"}).
     *   <li>After it, words are separated by spaces and tabs outside quotes; a quote toggles quoting and is dropped;
     *       inside quotes, {@code ""} is one literal quote.
     *   <li>Backslashes are literal unless they precede a quote: then 2n backslashes give n and the quote acts as
     *       above, 2n+1 give n and a literal quote.
     *   <li>A quote left open at the end of the line ends the last word; {@code ""} alone is an empty word.
     * </ol>
     *
     * <p>Other splitters differ only on lines that {@link #join} and {@link #quoteAlways} never write:
     * {@code CommandLineToArgvW} ends a quoted program word at its closing quote, and Wine's
     * {@code CommandLineToArgvW} and the C runtime before 2008 read {@code ""} inside quotes by an older rule.
     */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        int i = skipBlanks(line, 0);
        if (i == line.length()) {
            return words;
        }
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        for (; i < line.length() && (quoted || !isBlank(line.charAt(i))); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else {
                word.append(c);
            }
        }
        words.add(word.toString());
        i = skipBlanks(line, i);
        while (i < line.length()) {
            word.setLength(0);
            quoted = false;
            while (i < line.length() && (quoted || !isBlank(line.charAt(i)))) {
                char c = line.charAt(i);
                if (c != '\\' && c != '"') {
                    word.append(c);
                    i++;
                    continue;
                }
                int backslashes = 0;
                while (i < line.length() && line.charAt(i) == '\\') {
                    backslashes++;
                    i++;
                }
                if (i == line.length() || line.charAt(i) != '"') {
                    word.append("\\".repeat(backslashes)); // no quote follows: literal
                    continue;
                }
                word.append("\\".repeat(backslashes / 2));
                if (backslashes % 2 == 1) {
                    word.append('"'); // an escaped quote
                } else if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    word.append('"'); // "" inside quotes: one quote, still quoted
                    i++;
                } else {
                    quoted = !quoted;
                }
                i++;
            }
            words.add(word.toString());
            i = skipBlanks(line, i);
        }
        return words;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static int skipBlanks(String line, int from) {
        int i = from;
        while (i < line.length() && isBlank(line.charAt(i))) {
            i++;
        }
        return i;
    }
}
