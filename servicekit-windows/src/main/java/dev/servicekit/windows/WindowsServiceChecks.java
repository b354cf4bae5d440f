package dev.servicekit.windows;

import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.ServiceRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code doctor}'s checks of an installed Windows service, read from the registry the SCM keeps: the
 * {@code ImagePath} is quoted where it has spaces (an unquoted {@code C:\Program Files\…\java.exe} lets Windows run
 * {@code C:\Program.exe}), the Event Log source exists, and the service's account (its {@code ObjectName}) holds the
 * "log on as a service" right (SeServiceLogonRight). LocalSystem, LocalService, NetworkService and virtual accounts
 * ({@code NT SERVICE\<name>}) hold it implicitly; any other account's own rights are read from the LSA policy. A right
 * that only a group of the account holds is not seen (groups are not expanded): no right of its own is a warning,
 * never a failure; an LSA that does not answer is "not checked", never ok. The registry and the LSA are seams
 * ({@link Registry}, {@link Lsa}) so that the checks are tested without Windows.
 */
final class WindowsServiceChecks {

    static final String IMAGE_PATH = "image path";
    static final String EVENT_LOG = "event log source";
    static final String LOGON_RIGHT = "log on as a service";

    /** The registry values the checks read, under {@code HKEY_LOCAL_MACHINE}. */
    interface Registry {
        /** A string value, empty when the key or the value does not exist. */
        Optional<String> value(String key, String name);

        /** Whether the key exists. */
        boolean exists(String key);
    }

    /** The LSA policy's account rights, as {@code LsaEnumerateAccountRights} lists them for one account. */
    interface Lsa {
        /**
         * The rights assigned to the account itself (not those of its groups).
         *
         * @param account an account name as the SCM keeps it ({@code DOMAIN\name}, {@code .\name}, {@code name@domain})
         */
        Rights rightsOf(String account);
    }

    /** What the LSA answered for one account. */
    sealed interface Rights {
        /** {@code LsaEnumerateAccountRights} succeeded: the account's own rights (never empty on Windows). */
        record Listed(List<String> rights) implements Rights {
            public Listed {
                rights = List.copyOf(rights);
            }
        }

        /**
         * A call failed: {@code call} returned the NTSTATUS {@code status} (0 when the failure is a Win32 error, as
         * the account name lookup's), and {@code windowsError} is Windows' text for it.
         */
        record Failed(String call, int status, String windowsError) implements Rights {}
    }

    /** The right checked: "Log on as a service". */
    static final String SE_SERVICE_LOGON_RIGHT = "SeServiceLogonRight";

    /** {@code LsaEnumerateAccountRights}' answer for an account with no rights of its own. */
    static final int STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034;

    private WindowsServiceChecks() {}

    static List<Diagnosis> diagnose(ServiceRef service, Registry registry, Lsa lsa) {
        String name = ScmInstallPlan.serviceName(service);
        String serviceKey = ScmInstallPlan.SERVICES_KEY + name;
        if (!registry.exists(serviceKey)) {
            String why = "the service \"" + name + "\" is not installed (no HKLM\\" + serviceKey + ")";
            return List.of(
                    Diagnosis.notApplicable(IMAGE_PATH, why),
                    Diagnosis.notApplicable(EVENT_LOG, why),
                    Diagnosis.notApplicable(LOGON_RIGHT, why));
        }
        List<Diagnosis> findings = new ArrayList<>();
        Optional<String> imagePath = registry.value(serviceKey, "ImagePath");
        findings.add(
                imagePath.isEmpty()
                        ? Diagnosis.failure(
                                IMAGE_PATH,
                                "HKLM\\" + serviceKey + " has no ImagePath",
                                "install the service again: uninstall, then install")
                        : imagePathFinding(imagePath.get()));
        String eventKey = ScmInstallPlan.EVENT_LOG_KEY + name;
        findings.add(
                registry.exists(eventKey)
                        ? Diagnosis.ok(EVENT_LOG, "the Event Log source \"" + name + "\" is registered")
                        : Diagnosis.warning(
                                EVENT_LOG,
                                "the Event Log source \"" + name + "\" is not registered (no HKLM\\" + eventKey
                                        + "): Event Viewer shows its entries without text",
                                "install the service again as Administrator (install registers the source)"));
        findings.add(logonRightFinding(registry.value(serviceKey, "ObjectName"), lsa));
        return findings;
    }

    /**
     * The "log on as a service" finding for the service's {@code ObjectName} (none: LocalSystem). Built-in and virtual
     * accounts are ok without asking the LSA; any other account is ok only when the LSA lists the right among its own.
     */
    static Diagnosis logonRightFinding(Optional<String> objectName, Lsa lsa) {
        String account = objectName.map(String::strip).filter(a -> !a.isEmpty()).orElse("LocalSystem");
        if (holdsItImplicitly(account)) {
            return Diagnosis.ok(
                    LOGON_RIGHT,
                    "the service runs as \"" + account + "\", which holds " + SE_SERVICE_LOGON_RIGHT + " implicitly");
        }
        String fix =
                "grant it: Local Security Policy (secpol.msc) > Local Policies > User Rights Assignment > Log on as"
                        + " a service > Add User or Group > \"" + account
                        + "\" (install does not grant it), or check that a"
                        + " group of the account holds it; or install the service with its virtual account (no --account)";
        Rights rights = lsa.rightsOf(account);
        if (rights instanceof Rights.Listed listed) {
            if (listed.rights().contains(SE_SERVICE_LOGON_RIGHT)) {
                return Diagnosis.ok(
                        LOGON_RIGHT, "\"" + account + "\" holds " + SE_SERVICE_LOGON_RIGHT + " (LSA policy)");
            }
            return Diagnosis.warning(
                    LOGON_RIGHT,
                    "\"" + account + "\" has rights of its own (" + String.join(", ", listed.rights()) + ") but not "
                            + SE_SERVICE_LOGON_RIGHT + groupCaveat(),
                    fix);
        }
        Rights.Failed failed = (Rights.Failed) rights;
        if (failed.status() == STATUS_OBJECT_NAME_NOT_FOUND) {
            return Diagnosis.warning(
                    LOGON_RIGHT,
                    "\"" + account + "\" has no rights of its own in the LSA policy, so not " + SE_SERVICE_LOGON_RIGHT
                            + groupCaveat(),
                    fix);
        }
        return Diagnosis.notChecked(
                LOGON_RIGHT,
                "could not read the rights of \"" + account + "\": " + failed.call()
                        + (failed.status() != 0 ? " returned NTSTATUS " + hex(failed.status()) : " failed") + " ("
                        + failed.windowsError() + "); check that it holds " + SE_SERVICE_LOGON_RIGHT + " in secpol.msc"
                        + " (Local Policies, User Rights Assignment, Log on as a service), or run doctor as"
                        + " Administrator");
    }

    private static String groupCaveat() {
        return " (a group it is in may hold it: groups are not checked); without the right the SCM cannot start the"
                + " service (error 1069, the service did not start due to a logon failure)";
    }

    /** LocalSystem, LocalService, NetworkService (as the SCM and sc.exe spell them) and {@code NT SERVICE\*}. */
    static boolean holdsItImplicitly(String account) {
        String a = account.toLowerCase(Locale.ROOT);
        return a.equals("localsystem")
                || a.equals(".\\localsystem")
                || a.equals("nt authority\\system")
                || a.equals("nt authority\\localservice")
                || a.equals("nt authority\\local service")
                || a.equals("nt authority\\networkservice")
                || a.equals("nt authority\\network service")
                || (a.startsWith("nt service\\") && a.length() > "nt service\\".length());
    }

    static String hex(int status) {
        return String.format(Locale.ROOT, "0x%08X", status);
    }

    /** An {@code ImagePath} whose executable has a space must be quoted. Pure. */
    static Diagnosis imagePathFinding(String imagePath) {
        String path = imagePath.strip();
        if (path.startsWith("\"")) {
            int end = path.indexOf('"', 1);
            return end > 1
                    ? Diagnosis.ok(IMAGE_PATH, "quoted: " + path)
                    : Diagnosis.failure(
                            IMAGE_PATH,
                            "ImagePath " + path + " opens a quote it never closes",
                            "install the service again: uninstall, then install");
        }
        int exe = path.toLowerCase(Locale.ROOT).indexOf(".exe");
        String executable = exe >= 0 ? path.substring(0, exe + 4) : path.split(" ", 2)[0];
        if (executable.contains(" ")) {
            return Diagnosis.failure(
                    IMAGE_PATH,
                    "ImagePath has an unquoted executable with spaces: \"" + executable
                            + "\" (Windows may run a program at the first space instead)",
                    "install the service again (install quotes it), or quote the executable in ImagePath");
        }
        return Diagnosis.ok(IMAGE_PATH, "no spaces to quote in the executable: " + executable);
    }
}
