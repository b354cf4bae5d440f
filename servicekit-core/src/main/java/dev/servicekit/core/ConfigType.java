package dev.servicekit.core;

import dev.servicekit.spi.ServiceRef;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The type of a configuration value: how text from a file, an environment variable or {@code --set} is
 * parsed, how a value is written back ({@code config show}), and how the type is named in the docs.
 *
 * <p>Parsing never throws for bad input; it returns a message that says what is wrong and what is
 * expected, which the loader collects with every other problem.
 *
 * @param <T> the Java type of the value
 */
public final class ConfigType<T> {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE =
            Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KiB|MiB|GiB)?", Pattern.CASE_INSENSITIVE);

    private final String docName;
    private final Function<String, Parsed<T>> parser;
    private final Function<T, Object> formatter;
    private final boolean secretFile;

    private ConfigType(String docName, Function<String, Parsed<T>> parser, Function<T, Object> formatter) {
        this(docName, parser, formatter, false);
    }

    private ConfigType(
            String docName, Function<String, Parsed<T>> parser, Function<T, Object> formatter, boolean secretFile) {
        this.docName = docName;
        this.parser = parser;
        this.formatter = formatter;
        this.secretFile = secretFile;
    }

    /** Whether values are paths of files holding secrets (checked for owner-only permissions at load). */
    public boolean isSecretFile() {
        return secretFile;
    }

    /** The result of parsing one value: the value, or a message saying what is expected. */
    public sealed interface Parsed<T> {
        /** A successfully parsed value. */
        record Ok<T>(T value) implements Parsed<T> {}

        /** A failure; {@code expected} completes "... is not valid; expected ...". */
        record Invalid<T>(String expected) implements Parsed<T> {}
    }

    /** Parses text into a value. */
    public Parsed<T> parse(String text) {
        Objects.requireNonNull(text, "text");
        return parser.apply(text.strip());
    }

    /** The value as it is shown by {@code config show} (a string, number, boolean or list). */
    public Object format(T value) {
        return formatter.apply(value);
    }

    /**
     * Why {@code value} is not a value configuration text could give this type (out of range, blank where a value is
     * needed, or read back differently from how it is written), or empty when it is one. The check a key's default
     * gets, so that a default outside the key's own rules fails where the key is declared.
     */
    Optional<String> problemWith(T value) {
        Object shown = format(value);
        String text;
        if (shown instanceof List<?> list) {
            StringJoiner items = new StringJoiner(",");
            for (Object item : list) {
                items.add(String.valueOf(item));
            }
            text = items.toString();
        } else {
            text = String.valueOf(shown);
        }
        Parsed<T> parsed = parse(text);
        if (parsed instanceof Parsed.Invalid<T> invalid) {
            return Optional.of("\"" + text + "\" is not valid; expected " + invalid.expected());
        }
        T read = ((Parsed.Ok<T>) parsed).value();
        return read.equals(value)
                ? Optional.empty()
                : Optional.of("it is written \"" + text + "\", which configuration reads as \"" + format(read) + "\"");
    }

    /** The type's name in {@code docs/configuration.md}, e.g. {@code duration}. */
    public String docName() {
        return docName;
    }

    /** Any string, including empty. */
    public static ConfigType<String> string() {
        return new ConfigType<>("string", Parsed.Ok::new, s -> s);
    }

    /** A string that must not be blank. */
    public static ConfigType<String> nonBlankString() {
        return new ConfigType<>(
                "string", s -> s.isBlank() ? new Parsed.Invalid<>("a non-empty value") : new Parsed.Ok<>(s), s -> s);
    }

    /**
     * The name of one of several instances of a service on one host ({@link ServiceRef#INSTANCE_RULE}): plain in a
     * systemd unit name, a Windows service name, a launchd label, a file name and a Prometheus label value.
     */
    public static ConfigType<String> instanceName() {
        return new ConfigType<>(
                "instance name",
                s -> ServiceRef.instanceProblem(s).isEmpty()
                        ? new Parsed.Ok<>(s)
                        : new Parsed.Invalid<>(ServiceRef.INSTANCE_RULE),
                s -> s);
    }

    /** A host name or IP address to bind to. */
    public static ConfigType<String> host() {
        return new ConfigType<>(
                "host",
                s -> s.isBlank() || s.chars().anyMatch(Character::isWhitespace)
                        ? new Parsed.Invalid<>("a host name or IP address such as 127.0.0.1, ::1 or 0.0.0.0")
                        : new Parsed.Ok<>(s),
                s -> s);
    }

    /** A whole number within {@code [min, max]}. */
    public static ConfigType<Integer> integer(int min, int max) {
        return new ConfigType<>(
                "integer (" + min + ".." + max + ")",
                s -> {
                    try {
                        int value = Integer.parseInt(s);
                        if (value >= min && value <= max) {
                            return new Parsed.Ok<>(value);
                        }
                    } catch (NumberFormatException ignored) {
                        // falls through to the message below
                    }
                    return new Parsed.Invalid<>("a whole number from " + min + " to " + max);
                },
                v -> v);
    }

    /** A TCP port, 0 meaning "any free port". */
    public static ConfigType<Integer> port() {
        ConfigType<Integer> base = integer(0, 65535);
        return new ConfigType<>(
                "port (0..65535)",
                s -> base.parse(s) instanceof Parsed.Ok<Integer> ok
                        ? ok
                        : new Parsed.Invalid<>("a port number from 0 to 65535 (0 picks a free port)"),
                v -> v);
    }

    /** {@code true} or {@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}). */
    public static ConfigType<Boolean> bool() {
        return new ConfigType<>(
                "boolean",
                s -> switch (s.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on" -> new Parsed.Ok<>(true);
                    case "false", "no", "off" -> new Parsed.Ok<>(false);
                    default -> new Parsed.Invalid<>("true or false");
                },
                v -> v);
    }

    /**
     * A duration such as {@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}, {@code 1d}, or an ISO-8601
     * duration such as {@code PT20S}.
     */
    public static ConfigType<Duration> duration() {
        return new ConfigType<>(
                "duration",
                s -> {
                    Matcher m = DURATION.matcher(s);
                    if (m.matches()) {
                        try {
                            long n = Long.parseLong(m.group(1));
                            return new Parsed.Ok<>(
                                    switch (m.group(2)) {
                                        case "ms" -> Duration.ofMillis(n);
                                        case "s" -> Duration.ofSeconds(n);
                                        case "m" -> Duration.ofMinutes(n);
                                        case "h" -> Duration.ofHours(n);
                                        default -> Duration.ofDays(n);
                                    });
                        } catch (NumberFormatException | ArithmeticException ignored) {
                            return new Parsed.Invalid<>("a duration that fits in a long number of milliseconds");
                        }
                    }
                    if (s.toUpperCase(Locale.ROOT).startsWith("P")) {
                        try {
                            Duration d = Duration.parse(s);
                            if (!d.isNegative()) {
                                return new Parsed.Ok<>(d);
                            }
                        } catch (RuntimeException ignored) {
                            // falls through to the message below
                        }
                    }
                    return new Parsed.Invalid<>("a duration such as 500ms, 20s, 5m, 1h or 1d");
                },
                ConfigType::formatDuration);
    }

    /** A byte size such as {@code 1048576}, {@code 512KB}, {@code 1MB}, {@code 1GB} (1 KB = 1024 bytes). */
    public static ConfigType<Long> byteSize() {
        return new ConfigType<>(
                "size",
                s -> {
                    Matcher m = SIZE.matcher(s);
                    if (m.matches()) {
                        try {
                            long n = Long.parseLong(m.group(1));
                            String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
                            long factor = switch (unit) {
                                case "KB", "KIB" -> 1024L;
                                case "MB", "MIB" -> 1024L * 1024;
                                case "GB", "GIB" -> 1024L * 1024 * 1024;
                                default -> 1L;
                            };
                            return new Parsed.Ok<>(Math.multiplyExact(n, factor));
                        } catch (NumberFormatException | ArithmeticException ignored) {
                            // falls through to the message below
                        }
                    }
                    return new Parsed.Invalid<>("a size such as 1048576, 512KB, 1MB or 1GB");
                },
                ConfigType::formatSize);
    }

    /** A file system path. */
    public static ConfigType<Path> path() {
        return new ConfigType<>(
                "path",
                s -> {
                    if (s.isEmpty()) {
                        return new Parsed.Invalid<>("a file system path");
                    }
                    try {
                        return new Parsed.Ok<>(Path.of(s));
                    } catch (InvalidPathException e) {
                        return new Parsed.Invalid<>("a valid file system path (" + e.getReason() + ")");
                    }
                },
                Path::toString);
    }

    /**
     * The path of a file that holds a secret (a key, a password). The path itself is shown by
     * {@code config show}; on POSIX file systems loading fails unless only the owner may read the file.
     */
    public static ConfigType<Path> secretFile() {
        ConfigType<Path> path = path();
        return new ConfigType<>("path of a secret file (owner-only permissions)", path.parser, path.formatter, true);
    }

    /** One of a fixed set of lower-case words; input is matched case-insensitively. */
    public static ConfigType<String> oneOf(String... choices) {
        List<String> valid = List.of(choices);
        return new ConfigType<>(
                "one of " + String.join(", ", valid),
                s -> {
                    String lower = s.toLowerCase(Locale.ROOT);
                    if (valid.contains(lower)) {
                        return new Parsed.Ok<>(lower);
                    }
                    String expected = "one of " + String.join(", ", valid);
                    Optional<String> near = Suggestions.nearest(lower, valid);
                    return new Parsed.Invalid<>(near.map(n -> expected + " (did you mean \"" + n + "\"?)")
                            .orElse(expected));
                },
                v -> v);
    }

    /** An absolute {@code http://} or {@code https://} URL with a host, such as {@code https://etcd-1:2379}. */
    public static ConfigType<URI> httpUrl() {
        String expected = "an http:// or https:// URL with a host, such as https://etcd-1.example.com:2379";
        return new ConfigType<>(
                "http(s) URL",
                s -> {
                    try {
                        URI uri = new URI(s);
                        String scheme =
                                uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                        if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                            return new Parsed.Ok<>(uri);
                        }
                    } catch (URISyntaxException ignored) {
                        // falls through to the message below
                    }
                    return new Parsed.Invalid<>(expected);
                },
                URI::toString);
    }

    /** A comma-separated list (or a YAML sequence) of values of another type. */
    public static <E> ConfigType<List<E>> listOf(ConfigType<E> element) {
        return new ConfigType<>(
                "list of " + element.docName(),
                s -> {
                    List<E> values = new ArrayList<>();
                    if (s.isEmpty()) {
                        return new Parsed.Ok<>(List.of());
                    }
                    for (String part : Arrays.asList(s.split(","))) {
                        Parsed<E> parsed = element.parse(part);
                        if (parsed instanceof Parsed.Invalid<E> bad) {
                            return new Parsed.Invalid<>("a comma-separated list where each item is " + bad.expected());
                        }
                        values.add(((Parsed.Ok<E>) parsed).value());
                    }
                    return new Parsed.Ok<>(List.copyOf(values));
                },
                list -> list.stream().map(element::format).toList());
    }

    /** The shortest exact short spelling ({@code 90s}, {@code 2m}); the same as the command line's. */
    static String formatDuration(Duration d) {
        return dev.servicekit.spi.Durations.format(d);
    }

    static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + "GB";
        }
        if (bytes != 0 && bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + "MB";
        }
        if (bytes != 0 && bytes % 1024 == 0) {
            return bytes / 1024 + "KB";
        }
        return Long.toString(bytes);
    }
}
