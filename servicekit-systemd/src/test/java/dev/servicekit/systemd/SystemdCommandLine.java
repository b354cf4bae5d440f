package dev.servicekit.systemd;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads an {@code ExecStart=} value back into words the way systemd does (systemd.service(5) "Command lines"):
 * {@code %%} is a literal {@code %}, words split at unquoted whitespace, double or single quotes group, C escapes
 * apply, a lone {@code \;} is a literal {@code ;}, and {@code $$} is a literal {@code $}. Test-only: it checks
 * {@link SystemdUnitRenderer#execStart} round-trips, independently of how the renderer builds the string.
 */
final class SystemdCommandLine {

    private SystemdCommandLine() {}

    static List<String> split(String value) {
        String s = value.replace("%%", "\u0000PERCENT\u0000");
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= s.length()) {
                break;
            }
            StringBuilder w = new StringBuilder();
            char quote = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (quote == 0 && Character.isWhitespace(c)) {
                    break;
                }
                if (c == '\\' && i + 1 < s.length()) {
                    char n = s.charAt(i + 1);
                    i += 2;
                    switch (n) {
                        case 'n' -> w.append('\n');
                        case 't' -> w.append('\t');
                        case 'r' -> w.append('\r');
                        case 'x' -> {
                            w.append((char) Integer.parseInt(s.substring(i, i + 2), 16));
                            i += 2;
                        }
                        default -> w.append(n);
                    }
                    continue;
                }
                if (quote == 0 && (c == '"' || c == '\'')) {
                    quote = c;
                } else if (quote != 0 && c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
                i++;
            }
            words.add(w.toString().replace("$$", "$").replace("\u0000PERCENT\u0000", "%"));
        }
        return words;
    }
}
