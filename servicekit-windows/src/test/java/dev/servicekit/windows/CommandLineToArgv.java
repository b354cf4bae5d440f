package dev.servicekit.windows;

import java.util.ArrayList;
import java.util.List;

/**
 * A reference parser with the C runtime's / {@code CommandLineToArgvW}'s rules for arguments after the
 * program name: whitespace separates arguments outside quotes; 2n backslashes before a quote give n backslashes
 * and toggle quoting; 2n+1 backslashes before a quote give n backslashes and a literal quote; other backslashes
 * are literal.
 */
final class CommandLineToArgv {

    private CommandLineToArgv() {}

    static List<String> parse(String line) {
        List<String> args = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inArg = false;
        boolean quoted = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (!quoted && (c == ' ' || c == '\t')) {
                if (inArg) {
                    args.add(current.toString());
                    current.setLength(0);
                    inArg = false;
                }
                i++;
                continue;
            }
            inArg = true;
            if (c == '\\') {
                int n = 0;
                while (i < line.length() && line.charAt(i) == '\\') {
                    n++;
                    i++;
                }
                if (i < line.length() && line.charAt(i) == '"') {
                    current.append("\\".repeat(n / 2));
                    if (n % 2 == 1) {
                        current.append('"');
                        i++;
                    }
                } else {
                    current.append("\\".repeat(n));
                }
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
                i++;
                continue;
            }
            current.append(c);
            i++;
        }
        if (inArg) {
            args.add(current.toString());
        }
        return args;
    }
}
