package dev.servicekit.systemd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a unit's {@code ExecStart=} back into the words systemd runs, as systemd does (systemd.service(5) "Command
 * lines", systemd.unit(5) "Specifiers"): specifiers first, over the whole value ({@code %%} is a literal {@code %},
 * the others come from the caller); then words split at unquoted whitespace, double or single quotes group, C escapes
 * apply, a lone {@code \;} is a literal {@code ;}; then, in each word, {@code $$} is a literal {@code $}. Pure. The
 * inverse of {@link SystemdUnitRenderer#execStart}, and written independently of it, so the round trip tests both.
 */
final class SystemdCommandLine {

    private SystemdCommandLine() {}

    /**
     * The words of an {@code ExecStart=} value without specifiers other than {@code %%}.
     *
     * @throws IllegalArgumentException as {@link #split(String, Map)}
     */
    static List<String> split(String value) {
        return split(value, Map.of());
    }

    /**
     * The words of an {@code ExecStart=} value, its specifiers replaced from {@code specifiers} (e.g. {@code i} to the
     * instance name).
     *
     * @throws IllegalArgumentException for a specifier not in {@code specifiers}, a reference to an environment
     *                                  variable ({@code $NAME}, {@code ${NAME}}: only the unit's environment knows its
     *                                  value) or a cut-off escape
     */
    static List<String> split(String value, Map<Character, String> specifiers) {
        String s = expand(value, specifiers);
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
                            if (i + 2 > s.length()) {
                                throw new IllegalArgumentException("a cut-off \\x escape in: " + value);
                            }
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
            words.add(dollars(w.toString(), value));
        }
        return words;
    }

    /**
     * The one {@code ExecStart=} of a unit's {@code [Service]} section, read from its unit file and then its drop-ins,
     * in the order systemd applies them: an empty {@code ExecStart=} clears the ones before it; lines ending in a
     * backslash continue on the next. Empty when there is none, or more than one (systemd refuses to load such a
     * service unless it is {@code Type=oneshot}).
     */
    static Optional<String> execStart(List<String> unitFiles) {
        List<String> values = new ArrayList<>();
        for (String text : unitFiles) {
            String section = "";
            for (String line : logicalLines(text)) {
                if (line.startsWith("[")) {
                    section = line;
                    continue;
                }
                int eq = line.indexOf('=');
                if (section.equals("[Service]")
                        && eq > 0
                        && line.substring(0, eq).strip().equals("ExecStart")) {
                    String v = line.substring(eq + 1).strip();
                    if (v.isEmpty()) {
                        values.clear();
                    } else {
                        values.add(v);
                    }
                }
            }
        }
        return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
    }

    /** The lines of a unit file, stripped, without blank lines and comments, continuation lines joined. */
    private static List<String> logicalLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder pending = null;
        for (String raw : text.lines().toList()) {
            String line = raw.strip();
            if (line.startsWith("#") || line.startsWith(";")) {
                continue; // also inside a continuation, as systemd skips them there
            }
            StringBuilder current = pending == null ? new StringBuilder() : pending.append(' ');
            if (line.endsWith("\\")) {
                pending = current.append(line, 0, line.length() - 1);
                continue;
            }
            pending = null;
            String joined = current.append(line).toString().strip();
            if (!joined.isEmpty()) {
                lines.add(joined);
            }
        }
        if (pending != null && !pending.toString().isBlank()) {
            lines.add(pending.toString().strip());
        }
        return lines;
    }

    private static String expand(String value, Map<Character, String> specifiers) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            if (i + 1 >= value.length()) {
                throw new IllegalArgumentException("a lone % at the end of: " + value);
            }
            char specifier = value.charAt(++i);
            if (specifier == '%') {
                b.append('%');
            } else if (specifiers.containsKey(specifier)) {
                b.append(specifiers.get(specifier));
            } else {
                throw new IllegalArgumentException("the specifier %" + specifier + " is not known here, in: " + value);
            }
        }
        return b.toString();
    }

    private static String dollars(String word, String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            char next = i + 1 < word.length() ? word.charAt(i + 1) : 0;
            if (c == '$' && next == '$') {
                b.append('$');
                i++;
            } else if (c == '$' && (next == '{' || next == '_' || Character.isLetter(next))) {
                throw new IllegalArgumentException("an environment variable reference in: " + value);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
