package dev.servicekit.http;

import dev.servicekit.core.CertificateExpiry;
import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.spi.Diagnosis;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The TLS certificates of both listeners as {@code doctor} and {@code /admin/status} see them: loaded with the same
 * checks as a start ({@link TlsMaterialLoader}), and the served certificate's expiry ({@link CertificateExpiry}: a
 * failure once expired, a warning within {@link CertificateExpiry#WARN_BEFORE} of it).
 */
final class TlsCertificateCheck {

    private TlsCertificateCheck() {}

    private record Listener(String name, Optional<TlsSettings> settings, ConfigKey<Path> certificateKey) {}

    private static List<Listener> listeners(Config config) {
        return List.of(
                new Listener("api", HttpConfigKeys.apiTls(config), HttpConfigKeys.TLS_CERTIFICATE_FILE),
                new Listener(
                        "management",
                        HttpConfigKeys.managementTls(config),
                        HttpConfigKeys.MANAGEMENT_TLS_CERTIFICATE_FILE));
    }

    /** One finding per listener. Never throws. */
    static List<Diagnosis> diagnose(Config config, Clock clock) {
        List<Diagnosis> findings = new ArrayList<>();
        for (Listener listener : listeners(config)) {
            String check = "certificate " + listener.name();
            if (listener.settings().isEmpty()) {
                findings.add(Diagnosis.notApplicable(
                        check,
                        listener.certificateKey().name() + " is not set: the " + listener.name()
                                + " listener serves plain HTTP"));
                continue;
            }
            findings.add(profile(listener.name(), listener.settings().get()));
            Path file = listener.settings().get().certificate();
            X509Certificate leaf;
            try {
                leaf = TlsMaterialLoader.load(
                                listener.name(), listener.settings().get())
                        .chain()
                        .getFirst();
            } catch (TlsConfigurationException e) {
                findings.add(Diagnosis.failure(
                        check,
                        String.join("; ", e.problems()),
                        "fix the files named above ("
                                + listener.certificateKey().name() + " and its key)"));
                continue;
            } catch (RuntimeException e) {
                findings.add(Diagnosis.failure(
                        check,
                        "\"" + file + "\" cannot be loaded: " + e.getMessage(),
                        "check " + listener.certificateKey().name() + " and its key"));
                continue;
            }
            findings.add(CertificateExpiry.diagnose(
                    check,
                    file,
                    leaf,
                    clock,
                    "put a renewed certificate (and its key) at " + file
                            + "; the running service loads it without a restart"));
        }
        return findings;
    }

    /**
     * The listener's protocols and suites against the default profile: a warning naming each weak suite the operator
     * configured (and a JVM option that allows client-initiated renegotiation), a failure for a list that would be
     * refused at start.
     */
    static Diagnosis profile(String listener, TlsSettings settings) {
        String check = "tls " + listener;
        String prefix = listener.equals("api") ? "http.tls." : "management.tls.";
        List<TlsProfile.Problem> problems = TlsProfile.problems(settings.protocols(), settings.cipherSuites());
        if (!problems.isEmpty()) {
            return Diagnosis.failure(
                    check,
                    String.join(
                            "; ",
                            problems.stream()
                                    .map(p -> prefix
                                            + (p.setting() == TlsProfile.Setting.PROTOCOLS
                                                    ? "protocols"
                                                    : "cipher-suites")
                                            + " " + p.message())
                                    .toList()),
                    "fix the values named above; the service refuses to start with them");
        }
        List<String> weak = new ArrayList<>();
        List<String> weakSuites = TlsProfile.weaknesses(settings.cipherSuites());
        if (!weakSuites.isEmpty()) {
            weak.add(prefix + "cipher-suites enables weak suites: " + String.join("; ", weakSuites));
        }
        TlsProfile.renegotiationWeakness().ifPresent(weak::add);
        if (!weak.isEmpty()) {
            return Diagnosis.warning(
                    check,
                    String.join("; ", weak),
                    "remove " + prefix + "cipher-suites (and any -D" + TlsProfile.REJECT_RENEGOTIATION_PROPERTY
                            + " option) for the default profile, or list only ECDHE suites with AES-GCM or "
                            + "ChaCha20-Poly1305; see docs/security.md");
        }
        boolean defaults = settings.protocols().equals(TlsSettings.DEFAULT_PROTOCOLS)
                && settings.cipherSuites().equals(TlsSettings.DEFAULT_CIPHER_SUITES);
        return Diagnosis.ok(
                check,
                (defaults ? "Mozilla intermediate profile: " : "configured profile: ")
                        + String.join(", ", settings.protocols()) + " with "
                        + settings.cipherSuites().size()
                        + " forward-secret AEAD cipher suites; client-initiated renegotiation refused");
    }

    /**
     * For {@code /admin/status}: each TLS listener's certificate file and expiry ({@code notAfter}), or the error
     * that keeps it from loading.
     */
    static Map<String, Object> expiries(Config config) {
        Map<String, Object> view = new LinkedHashMap<>();
        for (Listener listener : listeners(config)) {
            if (listener.settings().isEmpty()) {
                continue;
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("certificateFile", listener.settings().get().certificate().toString());
            try {
                X509Certificate leaf = TlsMaterialLoader.load(
                                listener.name(), listener.settings().get())
                        .chain()
                        .getFirst();
                entry.put("notAfter", leaf.getNotAfter().toInstant().toString());
            } catch (RuntimeException e) {
                entry.put("error", e.getMessage());
            }
            view.put(listener.name(), entry);
        }
        return view;
    }
}
