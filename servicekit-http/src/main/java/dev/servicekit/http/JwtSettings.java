package dev.servicekit.http;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link JwtAuthenticator} verifies and {@link JwtIssuer} signs access tokens.
 *
 * {@snippet :
 * JwtSettings settings = JwtSettings.builder()
 *         .issuer("https://users.example.com")
 *         .audience("users-api")
 *         .keySource(JwtKeySource.hs256Secret(secret))
 *         .build();
 * }
 *
 * @param realm         the {@code realm} of the {@code WWW-Authenticate} challenge; default {@value #DEFAULT_REALM}
 * @param issuer        the exact {@code iss} every token must carry
 * @param audience      a value the token's {@code aud} must contain
 * @param clockSkew     tolerance for {@code exp}, {@code nbf} and {@code iat}; default 60 s, at most 5 min
 * @param maxTokenBytes longest token accepted, checked before any parsing; default 8 KiB
 * @param clock         the time source for all time checks and for issuing
 * @param keySource     the one key source
 * @param cacheMaxAge   the longest a verified token is served from the verified-token cache without being verified
 *                      again (never past its {@code exp} plus the skew); zero disables the cache; default 60 s, at
 *                      most 1 h
 * @param cacheMaxEntries how many verified tokens the cache holds at most; default 10,000, from 1 to 1,000,000
 */
public record JwtSettings(
        String realm,
        String issuer,
        String audience,
        Duration clockSkew,
        int maxTokenBytes,
        Clock clock,
        JwtKeySource keySource,
        Duration cacheMaxAge,
        int cacheMaxEntries) {

    /** The default challenge realm. */
    public static final String DEFAULT_REALM = "api";
    /** The default clock skew. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** The largest clock skew accepted; more would make {@code exp} meaningless for short-lived tokens. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /** The default token size limit. */
    public static final int DEFAULT_MAX_TOKEN_BYTES = 8 * 1024;
    /** The default lifetime of an entry in the verified-token cache. */
    public static final Duration DEFAULT_CACHE_MAX_AGE = Duration.ofSeconds(60);
    /** The longest lifetime of an entry in the verified-token cache. */
    public static final Duration MAX_CACHE_MAX_AGE = Duration.ofHours(1);
    /** The default bound of the verified-token cache. */
    public static final int DEFAULT_CACHE_MAX_ENTRIES = 10_000;
    /** The largest bound of the verified-token cache. */
    public static final int MAX_CACHE_MAX_ENTRIES = 1_000_000;

    /**
     * Checks every component and reports all problems at once.
     *
     * @throws IllegalArgumentException listing every invalid value and its fix
     */
    public JwtSettings {
        List<String> problems = new ArrayList<>();
        if (realm == null || !isQuotable(realm) || realm.isEmpty()) {
            problems.add("realm \"" + realm + "\" must be non-empty printable ASCII without '\"' or '\\'");
        }
        if (issuer == null || issuer.isBlank()) {
            problems.add(
                    "issuer is required: the exact \"iss\" value tokens carry, for example \"https://users.example.com\"");
        }
        if (audience == null || audience.isBlank()) {
            problems.add("audience is required: a value the tokens' \"aud\" contains, for example \"users-api\"");
        }
        if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            problems.add("clock skew \"" + clockSkew + "\" must be between 0 and " + MAX_CLOCK_SKEW
                    + "; the default is 60s");
        }
        if (maxTokenBytes < 256 || maxTokenBytes > 64 * 1024) {
            problems.add("max token size \"" + maxTokenBytes
                    + "\" must be between 256 and 65536 bytes; the default is 8192");
        }
        if (cacheMaxAge == null || cacheMaxAge.isNegative() || cacheMaxAge.compareTo(MAX_CACHE_MAX_AGE) > 0) {
            problems.add("token cache max age \"" + cacheMaxAge + "\" must be between 0 (no cache) and "
                    + MAX_CACHE_MAX_AGE + "; the default is 60s");
        }
        if (cacheMaxEntries < 1 || cacheMaxEntries > MAX_CACHE_MAX_ENTRIES) {
            problems.add("token cache max entries \"" + cacheMaxEntries + "\" must be between 1 and "
                    + MAX_CACHE_MAX_ENTRIES + "; the default is 10000 (set the max age to 0 to disable the cache)");
        }
        if (clock == null) {
            problems.add("clock is required");
        }
        if (keySource == null) {
            problems.add(
                    "a key source is required: an HS256 secret, an RS256/ES256 public key PEM file, or a JWKS URL");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid JWT settings: " + String.join("; ", problems));
        }
    }

    /**
     * Starts building settings with the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private static boolean isQuotable(String value) {
        return value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\');
    }

    /** Builds {@link JwtSettings}; issuer, audience and key source are required. */
    public static final class Builder {
        private String realm = DEFAULT_REALM;
        private String issuer;
        private String audience;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private int maxTokenBytes = DEFAULT_MAX_TOKEN_BYTES;
        private Clock clock = Clock.systemUTC();
        private JwtKeySource keySource;
        private Duration cacheMaxAge = DEFAULT_CACHE_MAX_AGE;
        private int cacheMaxEntries = DEFAULT_CACHE_MAX_ENTRIES;

        private Builder() {}

        /** The challenge realm; default {@value JwtSettings#DEFAULT_REALM}. */
        public Builder realm(String value) {
            this.realm = Objects.requireNonNull(value, "value");
            return this;
        }

        /** The exact {@code iss} tokens carry. */
        public Builder issuer(String value) {
            this.issuer = Objects.requireNonNull(value, "value");
            return this;
        }

        /** A value the tokens' {@code aud} contains. */
        public Builder audience(String value) {
            this.audience = Objects.requireNonNull(value, "value");
            return this;
        }

        /** Tolerance for time claims; default 60 s. */
        public Builder clockSkew(Duration value) {
            this.clockSkew = Objects.requireNonNull(value, "value");
            return this;
        }

        /** Longest token accepted; default 8 KiB. */
        public Builder maxTokenBytes(int value) {
            this.maxTokenBytes = value;
            return this;
        }

        /** The time source; default the system UTC clock. Tests inject a fixed or mutable one. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "value");
            return this;
        }

        /** The one key source. */
        public Builder keySource(JwtKeySource value) {
            this.keySource = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * The longest a verified token is served from the cache before it is verified again (never past its
         * {@code exp}); zero disables the cache; default 60 s.
         */
        public Builder cacheMaxAge(Duration value) {
            this.cacheMaxAge = Objects.requireNonNull(value, "value");
            return this;
        }

        /** How many verified tokens the cache holds at most; default 10,000. */
        public Builder cacheMaxEntries(int value) {
            this.cacheMaxEntries = value;
            return this;
        }

        /**
         * Creates the settings.
         *
         * @return the settings
         * @throws IllegalArgumentException listing every missing or invalid value
         */
        public JwtSettings build() {
            return new JwtSettings(
                    realm, issuer, audience, clockSkew, maxTokenBytes, clock, keySource, cacheMaxAge, cacheMaxEntries);
        }
    }
}
