package dev.servicekit.core;

/**
 * The process exit codes of every command, one table kept stable across releases (documented in
 * {@code docs/cli.md}).
 *
 * @see <a href="https://refspecs.linuxfoundation.org/LSB_3.0.0/LSB-PDA/LSB-PDA/iniscrptact.html">LSB status codes</a>
 */
public enum ExitCode {
    /** Success; for {@code status}: running. */
    OK(0, "success (for status: running)"),
    /** A failure not covered below; the message says what. */
    FAILURE(1, "failure"),
    /** Wrong command-line usage. */
    USAGE(2, "usage error"),
    /** {@code status}: the service is not running (as LSB). */
    NOT_RUNNING(3, "not running (status)"),
    /** The service is not installed. */
    NOT_INSTALLED(4, "not installed"),
    /** Permission denied; the message says the fix (run as Administrator / use sudo or --user). */
    PERMISSION_DENIED(77, "permission denied"),
    /** The configuration is invalid; every problem is listed. */
    CONFIG_ERROR(78, "configuration error");

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
}
