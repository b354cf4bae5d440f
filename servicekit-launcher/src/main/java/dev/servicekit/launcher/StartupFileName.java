package dev.servicekit.launcher;

/**
 * A name the launcher gives a startup file, taken apart by hand: {@code <verb>-<where>[-<which>].jsa}
 * ({@link Launcher#archiveFile}), {@code <verb>-<where>.seen} ({@link Launcher#seenBefore}) and
 * {@code <verb>-<where>-<key>[.<pid>].aot…} ({@link AotCache}). The launcher's start path uses no
 * {@code java.util.regex}: since Java 9 its character classes are lambdas, which on the README's java 17 would be
 * that JVM's first, and bootstrapping them costs the start about 20 ms (decisions.md, "The launcher reads this
 * JVM's options from its command line").
 */
final class StartupFileName {

    /** A class-data archive ({@link Launcher#archiveFile}). */
    static final String ARCHIVE = ".jsa";

    /** An AOT cache ({@link AotCache}). */
    static final String AOT_CACHE = ".aot";

    /** An AOT cache while a build writes it. */
    static final String AOT_CACHE_PART = AOT_CACHE + ".part";

    /** A training run's recording (the JVM's {@code -XX:AOTConfiguration}). */
    static final String RECORDING = ".aotconf";

    /** Appended to a recording's name once its JVM ran the service: it may be built. */
    static final String RUNNING = ".running";

    /** Appended to a recording's name while a build claims it. */
    static final String BUILDING = ".build";

    /** A recording after one-time work, not built: the next start records again. */
    static final String RECORDING_SKIPPED = RECORDING + ".skipped";

    /** A verb given once, whose archive waits for its second use ({@link Launcher#seenBefore}). */
    static final String SEEN = ".seen";

    /** A start of the jar on this JDK ran the service: the next one may record ({@link AotCache}). */
    static final String RAN = ".ran";

    /** The suffixes the launcher writes. */
    private static final String[] SUFFIXES = {
        ARCHIVE,
        AOT_CACHE,
        AOT_CACHE_PART,
        RECORDING,
        RECORDING + RUNNING,
        RECORDING + BUILDING,
        RECORDING_SKIPPED,
        SEEN,
        RAN
    };

    private static final int MAX_VERB = 32;
    private static final int MAX_WHERE = 8;
    private static final int MAX_WHICH = 32;
    private static final int MAX_PID_DIGITS = 10;

    /**
     * The verb the file is for ({@code run}, {@code status}, {@code token}): {@code <verb>-<where>-<which>} where the
     * name can be read so, else {@code <verb>-<where>} (a verb may have a hyphen in it).
     */
    final String verb;

    /** The pid of the JVM that records into the file, or {@code -1} when the name has none. */
    final long pid;

    /** The suffix, one of {@link #SUFFIXES}. */
    final String suffix;

    private StartupFileName(String verb, long pid, String suffix) {
        this.verb = verb;
        this.pid = pid;
        this.suffix = suffix;
    }

    /**
     * The parts of {@code name} when it is one the launcher gives: {@code [a-z][a-z0-9-]{0,31}-[0-9a-f]{1,8}
     * (-[0-9a-f]{1,32})?(\.[0-9]{1,10})?} followed by one of the suffixes; else {@code null}.
     */
    static StartupFileName parse(String name) {
        String suffix = null;
        for (String candidate : SUFFIXES) {
            if (name.endsWith(candidate)) {
                suffix = candidate;
                break;
            }
        }
        if (suffix == null) {
            return null;
        }
        String stem = name.substring(0, name.length() - suffix.length());
        long pid = -1;
        int dot = stem.indexOf('.');
        if (dot >= 0) {
            String digits = stem.substring(dot + 1);
            if (!isDigits(digits, MAX_PID_DIGITS)) {
                return null;
            }
            pid = Long.parseLong(digits);
            stem = stem.substring(0, dot);
        }
        String verb = verbBeforeHex(stem);
        return verb != null ? new StartupFileName(verb, pid, suffix) : null;
    }

    /** Whether {@code text} is a verb as the launcher names its files after one: {@code [a-z][a-z0-9-]{0,31}}. */
    static boolean isVerb(String text) {
        if (text.isEmpty() || text.length() > MAX_VERB || text.charAt(0) < 'a' || text.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** The verb of {@code <verb>-<where>} or {@code <verb>-<where>-<which>}; {@code null} for any other stem. */
    private static String verbBeforeHex(String stem) {
        int last = stem.lastIndexOf('-');
        if (last < 0) {
            return null;
        }
        String lastPart = stem.substring(last + 1);
        String before = stem.substring(0, last);
        int previous = before.lastIndexOf('-');
        if (previous >= 0
                && isHex(lastPart, MAX_WHICH)
                && isHex(before.substring(previous + 1), MAX_WHERE)
                && isVerb(before.substring(0, previous))) {
            return before.substring(0, previous); // <verb>-<where>-<which>
        }
        return isHex(lastPart, MAX_WHERE) && isVerb(before) ? before : null; // <verb>-<where>
    }

    private static boolean isHex(String text, int maxLength) {
        if (text.isEmpty() || text.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String text, int maxLength) {
        if (text.isEmpty() || text.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
