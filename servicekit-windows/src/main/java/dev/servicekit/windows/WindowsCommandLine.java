package dev.servicekit.windows;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds Windows command lines that {@code CommandLineToArgvW} and the C runtime split back into exactly the
 * arguments given (the rules in "Parsing C++ command-line arguments"): an argument is quoted when it is empty
 * or contains whitespace or a quote; inside quotes, backslashes are literal unless they precede a quote, so a
 * run of n backslashes before a quote becomes 2n+1 backslashes, and before the closing quote 2n.
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
}
