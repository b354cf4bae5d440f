package dev.servicekit.spi;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One finding of {@code doctor}: what was checked, how it came out, what was found, and the fix when something is
 * wrong. Service managers add their own through {@link ServiceManager#diagnose}, applications through
 * {@code ServiceApplication#diagnose}.
 *
 * {@snippet :
 * Diagnosis.failure("port api", "8080 (http.port) on 0.0.0.0 is held by pid 4242 (nginx)",
 *         "stop pid 4242, or set http.port to a free port");
 * }
 *
 * @param check   what was checked, short and stable, e.g. {@code port api}, {@code secret files}
 * @param verdict how it came out
 * @param finding what was found, with the offending value in quotes where there is one
 * @param fix     what to do about it; present for {@link Verdict#WARNING} and {@link Verdict#FAILURE}
 */
public record Diagnosis(String check, Verdict verdict, String finding, Optional<String> fix) {

    /** How a check came out. Only {@link #FAILURE} makes {@code doctor} exit 1. */
    public enum Verdict {
        /** Nothing wrong. */
        OK,
        /** Works now, but will break or is weaker than it should be (a certificate expiring within 14 days). */
        WARNING,
        /** Broken, or will keep the service from starting or serving. */
        FAILURE,
        /** The check does not apply here (no unit file, no TLS configured, a tool that is not installed). */
        NOT_APPLICABLE,
        /** The check applies but this version cannot perform it on this platform; nothing is claimed either way. */
        NOT_CHECKED;

        /** The word {@code doctor} prints: {@code ok}, {@code warning}, {@code failure}, {@code not applicable}, … */
        public String word() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** Checks values: a warning or failure needs a fix. */
    public Diagnosis {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(finding, "finding");
        Objects.requireNonNull(fix, "fix");
        if ((verdict == Verdict.WARNING || verdict == Verdict.FAILURE) && fix.isEmpty()) {
            throw new IllegalArgumentException("a " + verdict.word() + " of \"" + check + "\" needs a fix");
        }
    }

    /** Nothing wrong. */
    public static Diagnosis ok(String check, String finding) {
        return new Diagnosis(check, Verdict.OK, finding, Optional.empty());
    }

    /** Works now, but should be fixed. */
    public static Diagnosis warning(String check, String finding, String fix) {
        return new Diagnosis(check, Verdict.WARNING, finding, Optional.of(fix));
    }

    /** Broken. */
    public static Diagnosis failure(String check, String finding, String fix) {
        return new Diagnosis(check, Verdict.FAILURE, finding, Optional.of(fix));
    }

    /** The check does not apply here; {@code why} says why. */
    public static Diagnosis notApplicable(String check, String why) {
        return new Diagnosis(check, Verdict.NOT_APPLICABLE, why, Optional.empty());
    }

    /** The check applies but is not performed on this platform; {@code what} says what the user should check by hand. */
    public static Diagnosis notChecked(String check, String what) {
        return new Diagnosis(check, Verdict.NOT_CHECKED, what, Optional.empty());
    }
}
