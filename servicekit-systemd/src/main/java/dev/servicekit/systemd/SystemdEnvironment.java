package dev.servicekit.systemd;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads back the environment systemd gives a unit's process from what systemd shows and the files it reads. Pure:
 * the caller runs {@code systemctl show} and reads the files.
 *
 * <ul>
 *   <li>{@code systemctl show -p Environment} (of a unit, or of the manager itself: its environment block): the
 *       assignments separated by spaces, each written by systemd's {@code shell_maybe_quote(s, 0)}
 *       (src/basic/escape.c, called from src/shared/bus-print-properties.c): as is when it has no whitespace, control
 *       character, invalid UTF-8 or any of {@code "\`$*?['()<>|&;!}; else in double quotes, with {@code \ " ` $}
 *       escaped by a backslash and control characters (and invalid UTF-8 bytes) as C escapes ({@code \n},
 *       {@code \t}, {@code \033}…).</li>
 *   <li>{@code EnvironmentFiles}: one line per file, {@code EnvironmentFiles=<path> (ignore_errors=yes|no)}.</li>
 *   <li>An environment file: systemd's own syntax (src/basic/env-file.c), not a shell's.</li>
 * </ul>
 */
final class SystemdEnvironment {

    /** {@code env_name_is_valid}: a name a variable may have; assignments to other names are dropped by systemd. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static final Pattern ENVIRONMENT_FILE = Pattern.compile("(.*) \\(ignore_errors=(yes|no)\\)");

    private SystemdEnvironment() {}

    /**
     * An {@code EnvironmentFile=} as {@code systemctl show} names it.
     *
     * @param path         the path, specifiers resolved; may be a glob pattern
     * @param ignoreErrors {@code EnvironmentFile=-…}: a missing file is not an error
     */
    record EnvironmentFile(String path, boolean ignoreErrors) {}

    /**
     * The {@code NAME=value} assignments of a {@code systemctl show} {@code Environment=} value, in order (a later one
     * of a name wins); empty when a word cannot be read back exactly ({@link #shownWords}) or has no {@code =}, as an
     * older systemd that did not quote would print a value with a space.
     */
    static Optional<Map<String, String>> shownAssignments(String shown) {
        Optional<List<String>> words = shownWords(shown);
        if (words.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> assignments = new LinkedHashMap<>();
        for (String word : words.get()) {
            int equals = word.indexOf('=');
            if (equals <= 0) {
                return Optional.empty();
            }
            assignments.remove(word.substring(0, equals));
            assignments.put(word.substring(0, equals), word.substring(equals + 1));
        }
        return Optional.of(assignments);
    }

    /**
     * The words of a {@code systemctl show} list of strings, unquoted; empty when one cannot be read back exactly (an
     * unterminated quote, an unknown escape, a quote inside an unquoted word, bytes that are not UTF-8).
     */
    static Optional<List<String>> shownWords(String shown) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = shown.length();
        while (i < n) {
            if (shown.charAt(i) == ' ') {
                i++;
                continue;
            }
            String word;
            if (shown.charAt(i) == '"') {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = shown.charAt(i);
                    if (c == '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (c != '\\') {
                        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                        if (Character.isHighSurrogate(c) && i + 1 < n) {
                            utf8 = shown.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                            i++;
                        }
                        bytes.writeBytes(utf8);
                        i++;
                        continue;
                    }
                    if (i + 1 >= n) {
                        return Optional.empty();
                    }
                    char e = shown.charAt(i + 1);
                    int unescaped = switch (e) {
                        case '\\', '"', '`', '$', '\'' -> e;
                        case 'a' -> 7;
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 't' -> '\t';
                        case 'v' -> 11;
                        default -> -1;
                    };
                    if (unescaped >= 0) {
                        bytes.write(unescaped);
                        i += 2;
                    } else if (i + 3 < n
                            && isOctal(e)
                            && isOctal(shown.charAt(i + 2))
                            && isOctal(shown.charAt(i + 3))) {
                        bytes.write(Integer.parseInt(shown.substring(i + 1, i + 4), 8));
                        i += 4;
                    } else {
                        return Optional.empty();
                    }
                }
                if (!closed || (i < n && shown.charAt(i) != ' ')) {
                    return Optional.empty();
                }
                Optional<String> decoded = utf8(bytes.toByteArray());
                if (decoded.isEmpty()) {
                    return Optional.empty();
                }
                word = decoded.get();
            } else {
                int end = shown.indexOf(' ', i);
                end = end < 0 ? n : end;
                word = shown.substring(i, end);
                i = end;
                if (word.indexOf('"') >= 0) {
                    return Optional.empty();
                }
            }
            words.add(word);
        }
        return Optional.of(words);
    }

    /** The {@code EnvironmentFiles=} lines of {@code systemctl show} output, in order. */
    static List<EnvironmentFile> shownEnvironmentFiles(String showOutput) {
        List<EnvironmentFile> files = new ArrayList<>();
        showOutput.lines().forEach(line -> {
            if (line.startsWith("EnvironmentFiles=")) {
                var matcher = ENVIRONMENT_FILE.matcher(line.substring("EnvironmentFiles=".length()));
                if (matcher.matches()) {
                    files.add(new EnvironmentFile(
                            matcher.group(1), matcher.group(2).equals("yes")));
                }
            }
        });
        return files;
    }

    /**
     * The names {@code UnsetEnvironment=} removes ({@code NAME}, or {@code NAME=value}: only that value), applied to
     * {@code variables} as systemd applies it last.
     */
    static void unset(Map<String, String> variables, Map<String, Optional<String>> unsets) {
        unsets.forEach((name, value) -> {
            if (value.isEmpty() || value.get().equals(variables.get(name))) {
                variables.remove(name);
            }
        });
    }

    /**
     * The entries of {@code UnsetEnvironment=} as {@code systemctl show} prints it: {@code NAME} or
     * {@code NAME=value}, quoted as {@link #shownAssignments}; empty when unreadable.
     */
    static Optional<Map<String, Optional<String>>> shownUnsets(String shown) {
        Optional<List<String>> words = shownWords(shown);
        if (words.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Optional<String>> unsets = new LinkedHashMap<>();
        for (String word : words.get()) {
            int equals = word.indexOf('=');
            if (equals == 0) {
                return Optional.empty();
            }
            unsets.put(
                    equals < 0 ? word : word.substring(0, equals),
                    equals < 0 ? Optional.empty() : Optional.of(word.substring(equals + 1)));
        }
        return Optional.of(unsets);
    }

    /**
     * The assignments of an environment file, as systemd reads {@code EnvironmentFile=}: {@code NAME=value} lines;
     * blank lines, lines starting with {@code #} or {@code ;} and lines without {@code =} are ignored; whitespace
     * around the name and before the value is dropped, and after an unquoted value; {@code '…'} is literal,
     * {@code "…"} takes {@code \" \\ \` \$} as escapes (any other backslash stays); outside quotes a backslash takes
     * the next character as is; a backslash before a newline continues the line (in a comment too). No variable is
     * expanded. Assignments to an invalid name are dropped, as systemd drops them; a later one wins.
     */
    static Map<String, String> environmentFile(String content) {
        Map<String, String> variables = new LinkedHashMap<>();
        StringBuilder key = new StringBuilder();
        StringBuilder value = new StringBuilder();
        int valueKeep = 0; // the value's length up to its last character that is not unquoted, unescaped whitespace
        State state = State.PRE_KEY;
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            boolean newline = c == '\n' || c == '\r';
            boolean whitespace = newline || c == ' ' || c == '\t';
            switch (state) {
                case PRE_KEY -> {
                    if (c == '#' || c == ';') {
                        state = State.COMMENT;
                    } else if (!whitespace) {
                        key.setLength(0);
                        key.append(c);
                        state = State.KEY;
                    }
                }
                case KEY -> {
                    if (newline) {
                        state = State.PRE_KEY; // no "=": ignored
                    } else if (c == '=') {
                        value.setLength(0);
                        valueKeep = 0;
                        state = State.PRE_VALUE;
                    } else {
                        key.append(c);
                    }
                }
                case PRE_VALUE -> {
                    if (newline) {
                        put(variables, key, value.toString());
                        state = State.PRE_KEY;
                    } else if (c == '\'') {
                        state = State.SINGLE_QUOTE;
                    } else if (c == '"') {
                        state = State.DOUBLE_QUOTE;
                    } else if (c == '\\') {
                        state = State.VALUE_ESCAPE;
                    } else if (!whitespace) {
                        value.append(c);
                        valueKeep = value.length();
                        state = State.VALUE;
                    }
                }
                case VALUE -> {
                    if (newline) {
                        put(variables, key, value.substring(0, valueKeep));
                        state = State.PRE_KEY;
                    } else if (c == '\\') {
                        state = State.VALUE_ESCAPE;
                    } else {
                        value.append(c);
                        if (!whitespace) {
                            valueKeep = value.length();
                        }
                    }
                }
                case VALUE_ESCAPE -> {
                    state = State.VALUE;
                    if (!newline) {
                        value.append(c);
                        valueKeep = value.length();
                    }
                }
                case SINGLE_QUOTE -> {
                    if (c == '\'') {
                        state = State.PRE_VALUE;
                    } else {
                        value.append(c);
                        valueKeep = value.length();
                    }
                }
                case DOUBLE_QUOTE -> {
                    if (c == '"') {
                        state = State.PRE_VALUE;
                    } else if (c == '\\') {
                        state = State.DOUBLE_QUOTE_ESCAPE;
                    } else {
                        value.append(c);
                        valueKeep = value.length();
                    }
                }
                case DOUBLE_QUOTE_ESCAPE -> {
                    state = State.DOUBLE_QUOTE;
                    if ("\"\\`$".indexOf(c) >= 0) {
                        value.append(c);
                    } else if (c != '\n') {
                        value.append('\\').append(c);
                    }
                    valueKeep = value.length();
                }
                case COMMENT -> {
                    if (c == '\\') {
                        state = State.COMMENT_ESCAPE;
                    } else if (newline) {
                        state = State.PRE_KEY;
                    }
                }
                case COMMENT_ESCAPE -> state = State.COMMENT;
            }
        }
        switch (state) {
            case PRE_VALUE, VALUE, VALUE_ESCAPE, SINGLE_QUOTE, DOUBLE_QUOTE, DOUBLE_QUOTE_ESCAPE ->
                put(variables, key, state == State.VALUE ? value.substring(0, valueKeep) : value.toString());
            default -> {}
        }
        return variables;
    }

    private enum State {
        PRE_KEY,
        KEY,
        PRE_VALUE,
        VALUE,
        VALUE_ESCAPE,
        SINGLE_QUOTE,
        DOUBLE_QUOTE,
        DOUBLE_QUOTE_ESCAPE,
        COMMENT,
        COMMENT_ESCAPE
    }

    private static void put(Map<String, String> variables, StringBuilder key, String value) {
        String name = key.toString().strip();
        if (NAME.matcher(name).matches()) {
            variables.remove(name); // a later assignment wins, and is listed where it was made
            variables.put(name, value);
        }
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    private static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty(); // not text: systemd's own environment checks refuse it too
        }
    }
}
