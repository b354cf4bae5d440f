package dev.servicekit.spi;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The process exit codes of every command: the one table, kept stable across releases. The command line's help
 * footer and the table in {@code docs/cli.md} are rendered from it ({@link #table}), and
 * {@link ServiceManagerException} carries one of these.
 *
 * @see <a href="https://refspecs.linuxfoundation.org/LSB_3.0.0/LSB-PDA/LSB-PDA/iniscrptact.html">LSB status codes</a>
 */
public enum ExitCode {
    /** Success; for {@code status}: running. */
    OK(0, "success (for status: running)"),
    /** A failure not covered below; the message says what failed and how to fix it. */
    FAILURE(1, "failure; the message says what failed and how to fix it"),
    /** Wrong command-line usage. */
    USAGE(2, "usage error (unknown option, missing argument)"),
    /** {@code status}: the service is not running (as LSB). */
    NOT_RUNNING(3, "not running (status, as LSB)"),
    /** The service is not installed. */
    NOT_INSTALLED(4, "not installed"),
    /**
     * The input data is invalid (sysexits {@code EX_DATAERR}), for example a line of a file to import; the message
     * says where and what is wrong.
     */
    DATA_ERROR(65, "invalid input data; the message says where (file, line) and what is wrong"),
    /** Permission denied; the message says the fix (run as Administrator / use sudo or --user). */
    PERMISSION_DENIED(77, "permission denied; the message says the fix (Administrator, sudo, --user)"),
    /** The configuration is invalid; every problem is listed. */
    CONFIG_ERROR(78, "configuration error; every problem is listed"),
    /** A second SIGINT or SIGTERM during a graceful stop ended the process at once (128 + SIGINT). */
    FORCED_EXIT(130, "forced exit by a second stop signal during a graceful stop");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** The numeric process exit code. */
    public int code() {
        return code;
    }

    /** What the code means, for help text and docs. */
    public String meaning() {
        return meaning;
    }

    /**
     * Every code with its meaning, one line each, for help footers: {@code "  78  configuration error; …"}.
     *
     * @return the lines, in code order
     */
    public static String[] table() {
        return Arrays.stream(values())
                .map(c -> String.format("  %-3d %s", c.code, c.meaning))
                .toArray(String[]::new);
    }

    /**
     * The table as Markdown ({@code | code | meaning |}), as {@code docs/cli.md} shows it.
     *
     * @return the Markdown table with a trailing newline
     */
    public static String markdownTable() {
        return "| code | meaning |\n|---|---|\n"
                + Arrays.stream(values())
                        .map(c -> "| " + c.code + " | " + c.meaning + " |\n")
                        .collect(Collectors.joining());
    }
}
