package dev.servicekit.spi;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Command lines as a user would type them into a POSIX shell, for messages that say what to run by hand: a word made
 * only of ASCII letters, digits and {@code _./:@%+=,-} stays as it is, any other (spaces, quotes, {@code $}, an empty
 * word, non-ASCII) goes in single quotes, each {@code '} in it written {@code '\''}.
 *
 * {@snippet :
 * ShellWords.join(List.of("/opt/my app/java", "-jar", "app.jar")); // '/opt/my app/java' -jar app.jar
 * }
 */
public final class ShellWords {

    private static final String PLAIN_PUNCTUATION = "_./:@%+=,-";

    private ShellWords() {}

    /** {@code word} as a POSIX shell reads it back. */
    public static String quote(String word) {
        if (!word.isEmpty() && word.chars().allMatch(ShellWords::isPlain)) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The words, each {@linkplain #quote quoted} where it needs it, separated by one space. */
    public static String join(List<String> words) {
        return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }

    private static boolean isPlain(int c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || PLAIN_PUNCTUATION.indexOf(c) >= 0;
    }
}
