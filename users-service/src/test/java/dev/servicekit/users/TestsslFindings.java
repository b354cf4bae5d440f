package dev.servicekit.users;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the JSON file of {@code testssl --jsonfile} (an array of {@code {id, severity, finding}}) run with
 * {@code --protocols --cipher-per-proto --renegotiation} (or {@code --each-cipher}), and names everything that breaks Servicekit's TLS profile: a
 * protocol other than TLS 1.2 and 1.3, a CBC, RSA-key-transport, 3DES or RC4 suite, a suite without forward
 * secrecy, client-initiated renegotiation, and any finding testssl calls vulnerable.
 */
final class TestsslFindings {

    private static final Set<String> MUST_NOT_BE_OFFERED = Set.of("SSLv2", "SSLv3", "TLS1", "TLS1_1");

    private TestsslFindings() {}

    /** One entry per violation, each naming the testssl id and its finding; empty when the server meets the profile. */
    static List<String> violations(JsonNode report) {
        List<String> violations = new ArrayList<>();
        boolean sawProtocols = false;
        boolean sawRenegotiation = false;
        for (JsonNode entry : report) {
            String id = entry.path("id").asText();
            String finding = entry.path("finding").asText();
            String severity = entry.path("severity").asText();
            String named = id + " [" + severity + "] \"" + finding + "\"";
            if (MUST_NOT_BE_OFFERED.contains(id)) {
                sawProtocols = true;
                if (!finding.startsWith("not offered")) {
                    violations.add("protocol other than TLS 1.2/1.3 offered: " + named);
                }
            } else if (id.equals("TLS1_2") || id.equals("TLS1_3")) {
                if (!finding.startsWith("offered")) {
                    violations.add("protocol of the profile not offered: " + named);
                }
            } else if (isSuite(id)) {
                violations.addAll(suiteViolations(named, finding));
                if (id.startsWith("cipher-") && !id.startsWith("cipher-tls1_2_") && !id.startsWith("cipher-tls1_3_")) {
                    violations.add("suite offered with a protocol other than TLS 1.2/1.3: " + named);
                }
            } else if (id.equals("secure_client_renego")) {
                sawRenegotiation = true;
                if (!finding.equals("not vulnerable")) {
                    violations.add("client-initiated renegotiation possible: " + named);
                }
            }
            if (finding.toUpperCase(Locale.ROOT).contains("VULNERABLE")
                    && !finding.toLowerCase(Locale.ROOT).contains("not vulnerable")) {
                violations.add("VULNERABLE: " + named);
            }
            if (id.equals("scanProblem") || severity.equals("FATAL")) {
                violations.add("the scan did not complete: " + named);
            }
        }
        if (!sawProtocols) {
            violations.add("no protocol findings in the report (was --protocols given?)");
        }
        if (!sawRenegotiation) {
            violations.add("no secure_client_renego finding in the report (was --renegotiation given?)");
        }
        if (offeredSuites(report).isEmpty()) {
            violations.add("no cipher findings in the report (was --cipher-per-proto or --each-cipher given?)");
        }
        return violations;
    }

    /** {@code cipher_x1301} from {@code --each-cipher}, {@code cipher-tls1_3_x1301} from {@code --cipher-per-proto}. */
    private static boolean isSuite(String id) {
        return id.startsWith("cipher_x") || id.matches("cipher-[a-z0-9_]+_x[0-9a-f]+");
    }

    /**
     * One suite line: {@code [TLS 1.3]   x1301   TLS_AES_128_GCM_SHA256   ECDH 253   AESGCM   128
     * TLS_AES_128_GCM_SHA256}: (the protocol), hexcode, OpenSSL name, key exchange (and its size), encryption, bits,
     * IANA name.
     */
    private static List<String> suiteViolations(String named, String finding) {
        List<String> fields = List.of(finding.trim().split("\\s+"));
        String iana = fields.getLast();
        int hexcode = 0;
        while (hexcode < fields.size() && !fields.get(hexcode).matches("x[0-9a-f]+")) {
            hexcode++;
        }
        String keyExchange = hexcode + 2 < fields.size() ? fields.get(hexcode + 2) : "(not found)";
        List<String> violations = new ArrayList<>();
        if (iana.contains("_CBC_")) {
            violations.add("CBC suite offered: " + named);
        }
        if (iana.startsWith("TLS_RSA_") || iana.startsWith("SSL_RSA_")) {
            violations.add("RSA key transport suite offered: " + named);
        }
        if (iana.contains("3DES") || iana.contains("_DES_")) {
            violations.add("3DES/DES suite offered: " + named);
        }
        if (iana.contains("RC4")) {
            violations.add("RC4 suite offered: " + named);
        }
        if (!keyExchange.equals("ECDH") && !keyExchange.equals("DH") && !keyExchange.equals("any")) {
            violations.add("suite without forward secrecy (key exchange " + keyExchange + ") offered: " + named);
        }
        return violations;
    }

    /** The IANA names of the suites the server accepted. */
    static List<String> offeredSuites(JsonNode report) {
        List<String> suites = new ArrayList<>();
        for (JsonNode entry : report) {
            if (isSuite(entry.path("id").asText())) {
                String[] fields = entry.path("finding").asText().trim().split("\\s+");
                suites.add(fields[fields.length - 1]);
            }
        }
        return suites;
    }
}
