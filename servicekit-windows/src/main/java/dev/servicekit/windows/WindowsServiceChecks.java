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
 * {@code C:\Program.exe}), and the Event Log source exists. The account's "log on as a service" right
 * (SeServiceLogonRight, LSA policy) is not read by this version: it is reported as not checked, never as ok.
 * The registry is a seam ({@link Registry}) so that the checks are tested without Windows.
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

    private WindowsServiceChecks() {}

    static List<Diagnosis> diagnose(ServiceRef service, Registry registry) {
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
        findings.add(Diagnosis.notChecked(
                LOGON_RIGHT,
                "not checked on this platform by this version: check that the service's account holds"
                        + " SeServiceLogonRight (secpol.msc, Local Policies, User Rights Assignment); virtual accounts"
                        + " (NT SERVICE\\" + name + ") and LocalSystem hold it"));
        return findings;
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
