package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The default TLS profile and the checks of protocol and suite lists an operator configures. */
class TlsProfileTest {

    private static List<String> messages(List<String> protocols, List<String> suites) {
        return TlsProfile.problems(protocols, suites).stream()
                .map(TlsProfile.Problem::message)
                .toList();
    }

    @Test
    void theDefaultProfileIsMozillaIntermediateWithoutDheAndThisJvmOffersAllOfIt() {
        assertThat(TlsSettings.DEFAULT_PROTOCOLS).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(TlsSettings.DEFAULT_CIPHER_SUITES)
                .allSatisfy(suite -> assertThat(suite)
                        .doesNotContain("_CBC_", "3DES", "RC4", "_DHE_")
                        .doesNotStartWith("TLS_RSA_"))
                .contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(TlsProfile.problems(TlsSettings.DEFAULT_PROTOCOLS, TlsSettings.DEFAULT_CIPHER_SUITES))
                .isEmpty();
        // problems() skips the JVM's provider for the shipped profile; this is what makes that safe.
        assertThat(TlsProfile.offeredByThisJvm()).containsAll(TlsSettings.DEFAULT_CIPHER_SUITES);
        assertThat(TlsProfile.suiteProblems(TlsSettings.DEFAULT_CIPHER_SUITES)).isEmpty();
        assertThat(TlsProfile.protocolProblems(TlsSettings.DEFAULT_PROTOCOLS)).isEmpty();
        assertThat(TlsProfile.weaknesses(TlsSettings.DEFAULT_CIPHER_SUITES)).isEmpty();
    }

    @Test
    void tls11AndOlderAreRefusedWithTheReason() {
        assertThat(messages(List.of("TLSv1.1"), TlsSettings.DEFAULT_CIPHER_SUITES))
                .singleElement()
                .asString()
                .startsWith("\"TLSv1.1\" is refused: TLS 1.0 and 1.1 were deprecated by RFC 8996")
                .contains("list TLSv1.2 and TLSv1.3");
        assertThat(messages(List.of("TLSv1", "SSLv3", "TLSv1.2"), TlsSettings.DEFAULT_CIPHER_SUITES))
                .hasSize(2)
                .anySatisfy(m -> assertThat(m).startsWith("\"TLSv1\" is refused"))
                .anySatisfy(m -> assertThat(m).startsWith("\"SSLv3\" is refused: SSL 3.0 is broken"));
    }

    @Test
    void aMisspeltProtocolGetsTheSpellingAndAnUnknownOneTheValidValues() {
        assertThat(messages(List.of("tlsv1.3", "TLS1.2"), TlsSettings.DEFAULT_CIPHER_SUITES))
                .containsExactly(
                        "\"tlsv1.3\" is not a TLS protocol name; did you mean \"TLSv1.3\"?",
                        "\"TLS1.2\" is not a TLS protocol name; valid values are TLSv1.3 and TLSv1.2");
    }

    @Test
    void everyBadSuiteIsNamedWithItsOwnFix() {
        List<TlsProfile.Problem> problems = TlsProfile.problems(
                TlsSettings.DEFAULT_PROTOCOLS,
                List.of(
                        "TLS_AES_128_GCM_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "ECDHE-RSA-AES128-GCM-SHA256",
                        "TLS_AES_128_CCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265",
                        "NOT_A_SUITE"));

        assertThat(problems).allSatisfy(p -> assertThat(p.setting()).isEqualTo(TlsProfile.Setting.CIPHER_SUITES));
        assertThat(problems.stream().map(TlsProfile.Problem::message))
                .containsExactly(
                        "\"ECDHE-RSA-AES128-GCM-SHA256\" is an OpenSSL name; use its IANA name "
                                + "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"",
                        "\"TLS_AES_128_CCM_SHA256\" is a cipher suite this JVM does not offer (not implemented, or "
                                + "turned off by jdk.tls.disabledAlgorithms in its java.security); remove it, or "
                                + "choose from the suites it offers: "
                                + String.join(
                                        ", ",
                                        TlsProfile.offeredByThisJvm().stream()
                                                .filter(s -> !s.endsWith("_SCSV"))
                                                .toList()),
                        "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265\" is not a known cipher suite name (did you mean "
                                + "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"?); use IANA names as the JDK spells them, "
                                + "such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "\"NOT_A_SUITE\" is not a known cipher suite name; use IANA names as the JDK spells them, "
                                + "such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    }

    @Test
    void aSuiteTheJdkKnowsButHasTurnedOffCountsAsNotOffered() {
        // RSA key transport: the JDK implements it but jdk.tls.disabledAlgorithms turns it off.
        assertThat(messages(
                        TlsSettings.DEFAULT_PROTOCOLS, List.of("TLS_AES_128_GCM_SHA256", "TLS_RSA_WITH_NULL_SHA256")))
                .singleElement()
                .asString()
                .startsWith("\"TLS_RSA_WITH_NULL_SHA256\" is a cipher suite this JVM does not offer");
    }

    @Test
    void aProtocolWithoutAnyOfItsSuitesIsAProblemAndTheEmptyListsToo() {
        assertThat(messages(List.of("TLSv1.3", "TLSv1.2"), List.of("TLS_AES_128_GCM_SHA256")))
                .containsExactly("lists no TLS 1.2 suite, so TLSv1.2 handshakes would fail; add one such as "
                        + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or remove TLSv1.2 from the protocols");
        assertThat(messages(List.of("TLSv1.3"), List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")))
                .singleElement()
                .asString()
                .startsWith("lists no TLS 1.3 suite");
        assertThat(messages(List.of("TLSv1.3"), List.of("TLS_AES_256_GCM_SHA384")))
                .isEmpty();
        assertThat(TlsProfile.problems(List.of(), List.of()))
                .extracting(TlsProfile.Problem::setting)
                .containsExactly(TlsProfile.Setting.PROTOCOLS, TlsProfile.Setting.CIPHER_SUITES);
    }

    @Test
    void weakSuitesAreAllowedButNamedWithWhatMakesThemWeak() {
        List<String> suites = List.of(
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(TlsProfile.problems(TlsSettings.DEFAULT_PROTOCOLS, TlsSettings.DEFAULT_CIPHER_SUITES))
                .isEmpty();
        assertThat(messages(List.of("TLSv1.2"), suites)).isEmpty();
        assertThat(TlsProfile.weaknesses(suites))
                .containsExactly(
                        "\"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256\": CBC mode (LUCKY13 and padding-oracle attacks)");
        assertThat(TlsProfile.weaknesses(List.of("TLS_RSA_WITH_3DES_EDE_CBC_SHA")))
                .containsExactly("\"TLS_RSA_WITH_3DES_EDE_CBC_SHA\": no forward secrecy (RSA key transport), "
                        + "CBC mode (LUCKY13 and padding-oracle attacks), DES/3DES (SWEET32)");
    }
}
