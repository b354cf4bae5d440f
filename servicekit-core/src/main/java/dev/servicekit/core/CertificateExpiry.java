package dev.servicekit.core;

import dev.servicekit.spi.Diagnosis;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A certificate's validity as {@code doctor} reports it: a failure once expired, a warning within {@link #WARN_BEFORE}
 * of its expiry or before it is valid, ok otherwise with the days left. One rule for every certificate the service
 * presents: its listeners' (servicekit-http) and its client certificates (etcd, syslog).
 */
public final class CertificateExpiry {

    /** How long before its expiry a certificate is a warning. */
    public static final Duration WARN_BEFORE = Duration.ofDays(14);

    private CertificateExpiry() {}

    /**
     * The finding {@code check} gives {@code leaf}, the first certificate in {@code file}, at {@code clock}'s now;
     * {@code renew} says how to replace it.
     */
    public static Diagnosis diagnose(String check, Path file, X509Certificate leaf, Clock clock, String renew) {
        Objects.requireNonNull(leaf, "leaf");
        Instant notAfter = leaf.getNotAfter().toInstant();
        Instant now = clock.instant();
        long days = Duration.between(now, notAfter).toDays();
        String subject =
                "\"" + file + "\" (subject \"" + leaf.getSubjectX500Principal().getName() + "\")";
        if (!notAfter.isAfter(now)) {
            return Diagnosis.failure(check, subject + " expired on " + notAfter, renew);
        }
        if (Duration.between(now, notAfter).compareTo(WARN_BEFORE) <= 0) {
            return Diagnosis.warning(check, subject + " expires on " + notAfter + ", in " + days + " days", renew);
        }
        if (leaf.getNotBefore().toInstant().isAfter(now)) {
            return Diagnosis.warning(
                    check,
                    subject + " is not valid before " + leaf.getNotBefore().toInstant(),
                    "check this machine's clock, or use a certificate valid now");
        }
        return Diagnosis.ok(check, subject + " is valid until " + notAfter + " (" + days + " days)");
    }
}
