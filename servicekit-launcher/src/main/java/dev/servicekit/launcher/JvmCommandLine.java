package dev.servicekit.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * This JVM's options as its command line shows them ({@code /proc/self/cmdline} on Linux), for the common case of
 * {@code java [options] -jar app.jar …}: the options the management bean's {@code getInputArguments()} would give,
 * without the about 75 ms of management classes that costs on Java 17 (decisions.md, "The launcher reads this JVM's
 * options from its command line").
 *
 * <p>Only a command line that leaves nothing to interpret is read: before {@code -jar}, options the {@code java}
 * launcher hands to the JVM word for word, in ASCII; and none of the environment variables through which a JVM gets
 * options its command line does not show. Anything else ({@code -cp}, an {@code @}-file, an option whose value is a
 * second word, a launcher-only flag) gives {@code null}, and the caller asks the JVM.
 */
final class JvmCommandLine {

    /** Where Linux keeps a process's arguments, each ended by a NUL byte. */
    static final String PROC_SELF_CMDLINE = "/proc/self/cmdline";

    /** The variables whose options reach a JVM without being on its command line. */
    static final List<String> OPTION_VARIABLES =
            Collections.unmodifiableList(Arrays.asList("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));

    /** Options the {@code java} launcher passes to the JVM as they are, by prefix. */
    private static final List<String> VERBATIM_PREFIXES = Collections.unmodifiableList(Arrays.asList(
            "-D",
            "-XX:",
            "-Xms",
            "-Xmx",
            "-Xmn",
            "-Xss",
            "-Xlog:",
            "-Xshare:",
            "-Xcheck:",
            "-verbose:",
            "-javaagent:",
            "-agentlib:",
            "-agentpath:",
            "-ea:",
            "-da:",
            "-enableassertions:",
            "-disableassertions:",
            "--enable-native-access=",
            "--add-exports=",
            "--add-opens=",
            "--add-reads="));

    /** Options without a value the {@code java} launcher passes to the JVM as they are. */
    private static final List<String> VERBATIM_FLAGS = Collections.unmodifiableList(Arrays.asList(
            "-Xint",
            "-Xmixed",
            "-Xcomp",
            "-Xbatch",
            "-Xrs",
            "-Xlog",
            "-ea",
            "-da",
            "-esa",
            "-dsa",
            "-enableassertions",
            "-disableassertions",
            "-enablesystemassertions",
            "-disablesystemassertions"));

    private JvmCommandLine() {}

    /**
     * This JVM's options from {@value #PROC_SELF_CMDLINE}, or {@code null} where there is no such file or the command
     * line is not one {@link #options(byte[], Map)} reads.
     */
    static List<String> options() {
        byte[] cmdline;
        try {
            cmdline = CacheFiles.readFile(new File(PROC_SELF_CMDLINE));
        } catch (IOException | RuntimeException e) {
            return null; // not Linux, or /proc not mounted
        }
        return options(cmdline, System.getenv());
    }

    /**
     * The options before {@code -jar} in {@code cmdline} (arguments each ended by a NUL byte, the program first), or
     * {@code null} when one of {@link #OPTION_VARIABLES} is set, there is no {@code -jar}, or a word before it is not
     * an option passed on word for word in ASCII.
     */
    static List<String> options(byte[] cmdline, Map<String, String> environment) {
        for (String variable : OPTION_VARIABLES) {
            String value = environment.get(variable);
            if (value != null && !value.trim().isEmpty()) {
                return null;
            }
        }
        List<String> options = new ArrayList<>();
        int start = endOf(cmdline, 0) + 1; // past the program
        while (start < cmdline.length) {
            int end = endOf(cmdline, start);
            String word = ascii(cmdline, start, end);
            if (word == null) {
                return null;
            }
            if (word.equals("-jar")) {
                return end + 1 < cmdline.length ? Collections.unmodifiableList(options) : null;
            }
            if (!verbatim(word)) {
                return null;
            }
            options.add(word);
            start = end + 1;
        }
        return null;
    }

    private static boolean verbatim(String word) {
        if (word.startsWith("-XX:VMOptionsFile=") || word.startsWith("-XX:Flags=")) {
            return false; // options from a file, which the JVM's list holds and the command line does not
        }
        if (VERBATIM_FLAGS.contains(word)) {
            return true;
        }
        for (String prefix : VERBATIM_PREFIXES) {
            if (word.startsWith(prefix) && word.length() > prefix.length()) {
                return true;
            }
        }
        return false;
    }

    /** The index of the NUL that ends the argument starting at {@code from}, or the length when none does. */
    private static int endOf(byte[] cmdline, int from) {
        int i = from;
        while (i < cmdline.length && cmdline[i] != 0) {
            i++;
        }
        return i;
    }

    /** The bytes as text when they are printable ASCII, else {@code null}. */
    private static String ascii(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
                return null;
            }
        }
        return new String(bytes, from, to - from, StandardCharsets.US_ASCII);
    }
}
