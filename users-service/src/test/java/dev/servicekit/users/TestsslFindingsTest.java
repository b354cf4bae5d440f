package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * What {@link TestsslFindings} makes of testssl.sh reports, so that {@code TlsScanIT} can fail: a report recorded from
 * {@code openssl s_server} with OpenSSL 3.0's defaults (CBC suites in TLS 1.2), and hand-written entries in the
 * formats testssl 3.0.8 writes for a server that allows renegotiation and TLS 1.1.
 */
class TestsslFindingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRecordedReportOfAServerOfferingCbcSuitesNamesEachOfThem() throws IOException {
        JsonNode report;
        try (InputStream in = getClass().getResourceAsStream("testssl-openssl-s_server.json")) {
            report = JSON.readTree(in);
        }

        assertThat(TestsslFindings.offeredSuites(report)).hasSize(10).contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA");
        assertThat(TestsslFindings.violations(report))
                .hasSize(4)
                .allSatisfy(v -> assertThat(v).startsWith("CBC suite offered: cipher_x"))
                .anySatisfy(v -> assertThat(v).contains("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"));
    }

    @Test
    void renegotiationOldProtocolsRsaKeyTransportAndVulnerableFindingsAreEachNamed() throws IOException {
        JsonNode report = JSON.readTree("""
                [
                 {"id": "TLS1_1", "severity": "LOW", "finding": "offered (deprecated)"},
                 {"id": "TLS1_2", "severity": "OK", "finding": "offered"},
                 {"id": "TLS1_3", "severity": "OK", "finding": "not offered"},
                 {"id": "secure_client_renego", "severity": "MEDIUM", "finding": "VULNERABLE, DoS threat"},
                 {"id": "cipher_x9c", "severity": "INFO",
                  "finding": "x9c     AES128-GCM-SHA256                 RSA        AESGCM      128      TLS_RSA_WITH_AES_128_GCM_SHA256"},
                 {"id": "cipher_xc02b", "severity": "INFO",
                  "finding": "xc02b   ECDHE-ECDSA-AES128-GCM-SHA256     ECDH 253   AESGCM      128      TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
                 {"id": "cipher-tls1_3_x1301", "severity": "INFO",
                  "finding": "TLS 1.3   x1301   TLS_AES_128_GCM_SHA256            ECDH 253   AESGCM      128      TLS_AES_128_GCM_SHA256"},
                 {"id": "cipher-tls1_1_xc013", "severity": "INFO",
                  "finding": "TLS 1.1   xc013   ECDHE-RSA-AES128-SHA              ECDH 253   AES         128      TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}
                ]
                """);

        assertThat(TestsslFindings.violations(report))
                .containsExactly(
                        "protocol other than TLS 1.2/1.3 offered: TLS1_1 [LOW] \"offered (deprecated)\"",
                        "protocol of the profile not offered: TLS1_3 [OK] \"not offered\"",
                        "client-initiated renegotiation possible: secure_client_renego [MEDIUM] \"VULNERABLE, DoS threat\"",
                        "VULNERABLE: secure_client_renego [MEDIUM] \"VULNERABLE, DoS threat\"",
                        "RSA key transport suite offered: cipher_x9c [INFO] \"x9c     AES128-GCM-SHA256                 "
                                + "RSA        AESGCM      128      TLS_RSA_WITH_AES_128_GCM_SHA256\"",
                        "suite without forward secrecy (key exchange RSA) offered: cipher_x9c [INFO] \"x9c     "
                                + "AES128-GCM-SHA256                 RSA        AESGCM      128      "
                                + "TLS_RSA_WITH_AES_128_GCM_SHA256\"",
                        "CBC suite offered: cipher-tls1_1_xc013 [INFO] \"TLS 1.1   xc013   ECDHE-RSA-AES128-SHA              "
                                + "ECDH 253   AES         128      TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\"",
                        "suite offered with a protocol other than TLS 1.2/1.3: cipher-tls1_1_xc013 [INFO] \"TLS 1.1   "
                                + "xc013   ECDHE-RSA-AES128-SHA              ECDH 253   AES         128      "
                                + "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\"");
    }
}
