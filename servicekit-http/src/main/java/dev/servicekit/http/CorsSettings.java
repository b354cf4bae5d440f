package dev.servicekit.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cross-origin resource sharing for the API listener: which browser origins may call the API. Without
 * {@code CorsSettings} (the default) no CORS header is ever sent and browsers keep their same-origin rule.
 *
 * <p>Origins are matched exactly (host names case-insensitively), never by prefix, suffix or pattern:
 * {@code https://app.example.com} does not allow {@code https://app.example.com.evil.net}. Each origin is
 * {@code scheme://host[:port]} as browsers send it in the {@code Origin} header: {@code http} or
 * {@code https}, no path, no trailing slash, no {@code *}, and no default port ({@code :443} for https,
 * {@code :80} for http), which browsers leave out. Credentials ({@code Access-Control-Allow-Credentials})
 * are never allowed; bearer tokens in {@code Authorization} do not need them.
 *
 * {@snippet :
 * ApiServer api = ApiServer.builder(config).routes(routes)
 *         .cors(CorsSettings.allowing(List.of("https://app.example.com")))
 *         .build();
 * }
 *
 * @param allowedOrigins the origins browsers may call from; at least one
 * @param maxAge         how long browsers may cache a preflight answer ({@code Access-Control-Max-Age}); not negative
 */
public record CorsSettings(List<String> allowedOrigins, Duration maxAge) {

    /** How long browsers may cache a preflight answer unless configured otherwise. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

    private static final String FORMAT_HINT = "an origin is scheme://host[:port], e.g. https://app.example.com";

    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", Pattern.DOTALL);
    private static final Pattern HOST_PORT = Pattern.compile(
            "^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+])"
                    + "(:([0-9]{1,5}))?$");

    /**
     * Validates every origin and reports all problems at once.
     *
     * @throws IllegalArgumentException naming each bad origin and what to change, if an origin is malformed,
     *                                  the list is empty or {@code maxAge} is negative
     */
    public CorsSettings {
        Objects.requireNonNull(allowedOrigins, "allowedOrigins");
        Objects.requireNonNull(maxAge, "maxAge");
        allowedOrigins = List.copyOf(allowedOrigins);
        List<String> problems = new ArrayList<>();
        if (allowedOrigins.isEmpty()) {
            problems.add(
                    "the list of allowed origins is empty; list at least one origin, or leave CORS unconfigured to keep it off");
        }
        problems.addAll(originProblems(allowedOrigins));
        if (maxAge.isNegative()) {
            problems.add("maxAge \"" + maxAge + "\" is negative; use zero or more, e.g. " + DEFAULT_MAX_AGE);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid CORS settings: " + String.join("; ", problems));
        }
    }

    /**
     * Allows the given origins, with {@link #DEFAULT_MAX_AGE}.
     *
     * @param allowedOrigins the origins browsers may call from
     * @return the settings
     * @throws IllegalArgumentException as the canonical constructor
     */
    public static CorsSettings allowing(List<String> allowedOrigins) {
        return new CorsSettings(allowedOrigins, DEFAULT_MAX_AGE);
    }

    /** Whether the {@code Origin} header value is one of the allowed origins (host compared case-insensitively). */
    boolean allows(String origin) {
        String candidate = matchKey(origin);
        return allowedOrigins.stream().anyMatch(allowed -> matchKey(allowed).equals(candidate));
    }

    /**
     * Origins are ASCII (browsers send the punycode form); scheme and host are case-insensitive, and a port
     * has no letters, so lower-casing the whole value compares exactly what should be compared.
     */
    private static String matchKey(String origin) {
        return origin.toLowerCase(Locale.ROOT);
    }

    /**
     * One message per malformed origin, each quoting the value and saying how to fix it; empty when all are
     * valid. Shared with the configuration check so both report the same words.
     */
    static List<String> originProblems(List<String> origins) {
        List<String> problems = new ArrayList<>();
        for (String origin : origins) {
            originProblem(Objects.requireNonNull(origin, "origin")).ifPresent(problems::add);
        }
        return problems;
    }

    private static Optional<String> originProblem(String origin) {
        String quoted = "\"" + origin + "\"";
        if (origin.isBlank()) {
            return Optional.of(quoted + " is empty; " + FORMAT_HINT);
        }
        if (origin.contains("*")) {
            return Optional.of(
                    quoted + " contains a wildcard; list each allowed origin exactly, e.g. https://app.example.com");
        }
        if (!origin.equals(origin.strip())) {
            return Optional.of(quoted + " has surrounding spaces; remove them");
        }
        Matcher scheme = SCHEME.matcher(origin);
        if (!scheme.matches()) {
            return Optional.of(quoted + " has no scheme; " + FORMAT_HINT);
        }
        String schemeName = scheme.group(1).toLowerCase(Locale.ROOT);
        if (!schemeName.equals("https") && !schemeName.equals("http")) {
            return Optional.of(quoted + " has the scheme \"" + scheme.group(1) + "\"; use https (or http)");
        }
        String authority = scheme.group(2);
        int pathStart = indexOfAny(authority, "/?#");
        if (pathStart >= 0) {
            if (pathStart == authority.length() - 1 && authority.endsWith("/")) {
                return Optional.of(quoted + " ends with a slash; remove it (\""
                        + origin.substring(0, origin.length() - 1) + "\")");
            }
            return Optional.of(quoted + " has a path, query or fragment; " + FORMAT_HINT);
        }
        if (authority.contains("@")) {
            return Optional.of(quoted + " contains user information; " + FORMAT_HINT);
        }
        Matcher hostPort = HOST_PORT.matcher(authority);
        if (!hostPort.matches()) {
            return Optional.of(quoted + " has an invalid host or port; " + FORMAT_HINT);
        }
        String port = hostPort.group(6);
        if (port != null) {
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                return Optional.of(quoted + " has the port " + port + "; use a port from 1 to 65535");
            }
            if ((schemeName.equals("https") && number == 443) || (schemeName.equals("http") && number == 80)) {
                String withoutPort = origin.substring(0, origin.length() - port.length() - 1);
                return Optional.of(quoted + " names the default port, which browsers leave out of Origin; write \""
                        + withoutPort + "\"");
            }
        }
        return Optional.empty();
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
