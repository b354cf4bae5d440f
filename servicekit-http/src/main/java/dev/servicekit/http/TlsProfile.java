package dev.servicekit.http;

import dev.servicekit.core.Suggestions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS profile of both listeners and the checks of what an operator configures instead.
 *
 * <p>The default is Mozilla's "intermediate" server profile: TLS 1.3 with its three suites, and TLS 1.2 with ECDHE
 * key exchange and AES-GCM or ChaCha20-Poly1305 only: forward secrecy and authenticated encryption on every suite,
 * no CBC (LUCKY13), no RSA key transport, no 3DES or RC4. Mozilla's list also has three DHE suites; they are left
 * out, as every client that speaks TLS 1.2 speaks ECDHE too (docs/decisions.md).
 *
 * <p>An operator can narrow or widen the lists; {@link #problems} refuses what cannot work or must not be used
 * (TLS 1.1 and older, unknown names, suites this JVM does not offer, a protocol with no suite left), and
 * {@link #weaknesses} names what is allowed but weaker than the profile, for {@code doctor}.
 */
final class TlsProfile {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(TlsProfile.class);
    }

    /** The JDK's switch; read once, when the first server-side TLS handshake of the JVM loads its class. */
    static final String REJECT_RENEGOTIATION_PROPERTY = "jdk.tls.rejectClientInitiatedRenegotiation";

    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final Map<String, String> REFUSED_PROTOCOLS = refusedProtocols();

    /**
     * IANA name → OpenSSL name ("-" when none), from the bundled list, read on first use (only a configured suite
     * list needs it).
     */
    private static final class Known {
        static final Map<String, String> SUITES = knownSuites();
    }

    private TlsProfile() {}

    private static Map<String, String> refusedProtocols() {
        String old = " is refused: TLS 1.0 and 1.1 were deprecated by RFC 8996 (2021) for their SHA-1 and MD5 based "
                + "handshakes and CBC-only suites, and the JDK turns them off too; clients from the last ten years "
                + "speak TLS 1.2, so list TLSv1.2 and TLSv1.3";
        String ssl = " is refused: SSL 3.0 is broken (POODLE, RFC 7568); list TLSv1.2 and TLSv1.3";
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("TLSV1.1", old);
        refused.put("TLSV1", old);
        refused.put("TLSV1.0", old);
        refused.put("SSLV3", ssl);
        refused.put(
                "SSLV2HELLO",
                " is refused: it is a compatibility hello for SSL 2.0 clients; list TLSv1.2 and " + "TLSv1.3");
        refused.put("SSLV2", ssl);
        return Map.copyOf(refused);
    }

    private static Map<String, String> knownSuites() {
        Map<String, String> suites = new LinkedHashMap<>();
        try (InputStream in = TlsProfile.class.getResourceAsStream("tls-cipher-suites.txt")) {
            Objects.requireNonNull(in, "tls-cipher-suites.txt is missing from the jar");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.trim().split("\\s+");
                suites.put(fields[0], fields.length > 1 ? fields[1] : "-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(suites);
    }

    /** The cipher suites this JVM offers: implemented and not turned off by {@code jdk.tls.disabledAlgorithms}. */
    static List<String> offeredByThisJvm() {
        try {
            return List.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no TLS implementation", e);
        }
    }

    /** Which list a problem is about. */
    enum Setting {
        PROTOCOLS,
        CIPHER_SUITES
    }

    /** One problem: the list it is about, and a sentence that quotes the value and says the fix. */
    record Problem(Setting setting, String message) {}

    /**
     * Everything wrong with a protocol and suite list, one sentence each naming the value and the fix; empty when
     * both can be used.
     */
    static List<Problem> problems(List<String> protocols, List<String> suites) {
        if (protocols.equals(PROTOCOLS) && suites.equals(CIPHER_SUITES)) {
            // The shipped profile (TlsProfileTest holds it against this JVM): no need to start the JVM's TLS
            // provider, about 400 classes, on every start of a service that may not use TLS at all.
            return List.of();
        }
        List<Problem> problems = new ArrayList<>();
        protocolProblems(protocols).forEach(p -> problems.add(new Problem(Setting.PROTOCOLS, p)));
        suiteProblems(suites).forEach(p -> problems.add(new Problem(Setting.CIPHER_SUITES, p)));
        if (problems.isEmpty()) {
            boolean has13 = suites.stream().anyMatch(TlsProfile::isTls13Suite);
            boolean has12 = suites.stream().anyMatch(suite -> !isTls13Suite(suite) && !isSignalingValue(suite));
            if (protocols.contains("TLSv1.3") && !has13) {
                problems.add(new Problem(
                        Setting.CIPHER_SUITES,
                        "lists no TLS 1.3 suite, so TLSv1.3 handshakes would fail; add one of "
                                + String.join(", ", TLS13_SUITES) + ", or remove TLSv1.3 from the protocols"));
            }
            if (protocols.contains("TLSv1.2") && !has12) {
                problems.add(new Problem(
                        Setting.CIPHER_SUITES,
                        "lists no TLS 1.2 suite, so TLSv1.2 handshakes would fail; add one such as "
                                + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or remove TLSv1.2 from the protocols"));
            }
        }
        return problems;
    }

    /** Problems with the protocol list alone. */
    static List<String> protocolProblems(List<String> protocols) {
        List<String> problems = new ArrayList<>();
        if (protocols.isEmpty()) {
            problems.add("is empty; list TLSv1.3, TLSv1.2 or both (the default is both)");
        }
        for (String protocol : protocols) {
            if (PROTOCOLS.contains(protocol)) {
                continue;
            }
            String upper = protocol.toUpperCase(Locale.ROOT);
            String refused = REFUSED_PROTOCOLS.get(upper);
            if (refused != null) {
                problems.add("\"" + protocol + "\"" + refused);
            } else {
                Optional<String> spelled = PROTOCOLS.stream()
                        .filter(p -> p.equalsIgnoreCase(protocol))
                        .findFirst();
                problems.add("\"" + protocol + "\" is not a TLS protocol name"
                        + spelled.map(p -> "; did you mean \"" + p + "\"?").orElse("")
                        + (spelled.isPresent() ? "" : "; valid values are TLSv1.3 and TLSv1.2"));
            }
        }
        return problems;
    }

    /** Problems with the suite list alone. */
    static List<String> suiteProblems(List<String> suites) {
        List<String> problems = new ArrayList<>();
        if (suites.isEmpty()) {
            problems.add("is empty; list at least one suite, or remove the setting for the default profile");
            return problems;
        }
        List<String> offered = offeredByThisJvm();
        for (String suite : suites) {
            if (offered.contains(suite)) {
                continue;
            }
            Optional<String> iana = Known.SUITES.entrySet().stream()
                    .filter(entry -> entry.getValue().equals(suite))
                    .map(Map.Entry::getKey)
                    .findFirst();
            if (iana.isPresent() && !Known.SUITES.containsKey(suite)) {
                problems.add("\"" + suite + "\" is an OpenSSL name; use its IANA name \"" + iana.get() + "\""
                        + (offered.contains(iana.get()) ? "" : " (which this JVM does not offer either)"));
            } else if (Known.SUITES.containsKey(suite)) {
                problems.add("\"" + suite + "\" is a cipher suite this JVM does not offer (not implemented, or turned "
                        + "off by jdk.tls.disabledAlgorithms in its java.security); remove it, or choose from the "
                        + "suites it offers: "
                        + String.join(
                                ", ",
                                offered.stream()
                                        .filter(s -> !isSignalingValue(s))
                                        .toList()));
            } else {
                Optional<String> near = nearest(suite, offered);
                problems.add("\"" + suite + "\" is not a known cipher suite name"
                        + near.map(n -> " (did you mean \"" + n + "\"?)").orElse("")
                        + "; use IANA names as the JDK spells them, such as TLS_AES_128_GCM_SHA256 or "
                        + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            }
        }
        return problems;
    }

    /**
     * What in a valid configuration is weaker than the profile, one sentence each: suites without forward secrecy,
     * with CBC, 3DES, RC4 or no encryption. Empty for the default profile.
     */
    static List<String> weaknesses(List<String> suites) {
        List<String> weak = new ArrayList<>();
        for (String suite : suites) {
            List<String> why = new ArrayList<>();
            if (!isTls13Suite(suite) && !isSignalingValue(suite)) {
                if (!suite.startsWith("TLS_ECDHE_") && !suite.startsWith("TLS_DHE_")) {
                    why.add("no forward secrecy (" + (suite.startsWith("TLS_RSA_") ? "RSA key transport" : "static key")
                            + ")");
                }
                if (suite.contains("_CBC_")) {
                    why.add("CBC mode (LUCKY13 and padding-oracle attacks)");
                }
                if (suite.contains("3DES") || suite.contains("_DES_")) {
                    why.add("DES/3DES (SWEET32)");
                }
                if (suite.contains("_RC4_")) {
                    why.add("RC4 (RFC 7465 forbids it)");
                }
                if (suite.contains("_NULL_")) {
                    why.add("no encryption");
                }
                if (suite.contains("_anon_")) {
                    why.add("no server authentication");
                }
            }
            if (!why.isEmpty()) {
                weak.add("\"" + suite + "\": " + String.join(", ", why));
            }
        }
        return weak;
    }

    static boolean isTls13Suite(String suite) {
        return TLS13_SUITES.contains(suite)
                || suite.equals("TLS_AES_128_CCM_SHA256")
                || suite.equals("TLS_AES_128_CCM_8_SHA256");
    }

    private static boolean isSignalingValue(String suite) {
        return suite.endsWith("_SCSV");
    }

    /**
     * Refuses client-initiated renegotiation (a TLS 1.2 DoS lever; TLS 1.3 has none), unless the operator set
     * {@value #REJECT_RENEGOTIATION_PROPERTY} themselves. The JDK reads the property once, when the first server-side
     * handshake of the JVM initialises {@code sun.security.ssl.ServerHandshakeContext}, so this runs before a TLS
     * listener binds: no server handshake can have happened yet in a service that serves TLS only through these
     * listeners. Idempotent.
     *
     * @return whether client-initiated renegotiation is refused (false only when the operator set the property to
     *     something other than {@code true})
     */
    static boolean refuseClientInitiatedRenegotiation() {
        synchronized (TlsProfile.class) {
            String set = System.getProperty(REJECT_RENEGOTIATION_PROPERTY);
            if (set == null) {
                System.setProperty(REJECT_RENEGOTIATION_PROPERTY, "true");
                return true;
            }
            boolean refused = Boolean.parseBoolean(set.trim());
            if (!refused) {
                log().warn(
                                "-D{}={} lets TLS 1.2 clients renegotiate, which lets one client make the server repeat "
                                        + "expensive handshakes (a denial-of-service lever); remove the option",
                                REJECT_RENEGOTIATION_PROPERTY,
                                set);
            }
            return refused;
        }
    }

    /** Whether the operator's JVM options allow client-initiated renegotiation, for {@code doctor}. */
    static Optional<String> renegotiationWeakness() {
        String set = System.getProperty(REJECT_RENEGOTIATION_PROPERTY);
        if (set != null && !Boolean.parseBoolean(set.trim())) {
            return Optional.of("-D" + REJECT_RENEGOTIATION_PROPERTY + "=" + set
                    + " allows client-initiated renegotiation (a denial-of-service lever)");
        }
        return Optional.empty();
    }

    private static Optional<String> nearest(String input, List<String> candidates) {
        return Suggestions.nearest(input, candidates, 5);
    }
}
