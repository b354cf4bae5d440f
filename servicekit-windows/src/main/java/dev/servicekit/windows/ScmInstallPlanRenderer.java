package dev.servicekit.windows;

import dev.servicekit.spi.Durations;
import dev.servicekit.spi.FailureAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Renders an {@link ScmInstallPlan} for {@code install --dry-run}: the equivalent {@code sc.exe} commands (for
 * reading and for doing it by hand; the installer itself calls the SCM API) and the registry values the SCM
 * will hold. Pure; the password is never printed.
 */
final class ScmInstallPlanRenderer {

    private static final String MASK = "********";

    private ScmInstallPlanRenderer() {}

    static String render(ScmInstallPlan plan) {
        StringBuilder out = new StringBuilder();
        String n = WindowsCommandLine.quote(plan.name());
        out.append("# Install Windows service \"").append(plan.name()).append("\" (dry run: nothing was changed)\n");
        out.append(
                "# servicekit calls the SCM API (CreateService, ChangeServiceConfig2) directly; these sc.exe commands do the same.\n\n");

        List<String> create = new ArrayList<>();
        create.add("sc.exe create " + n);
        create.add("binPath= " + WindowsCommandLine.quote(plan.imagePath()));
        create.add("type= own");
        create.add("start= " + (plan.startValue() == 2 ? "auto" : plan.startValue() == 3 ? "demand" : "disabled"));
        create.add("error= normal");
        create.add("DisplayName= " + WindowsCommandLine.quote(plan.displayName()));
        create.add("obj= " + WindowsCommandLine.quote(plan.objectName()));
        if (!plan.dependencies().isEmpty()) {
            create.add("depend= " + WindowsCommandLine.quote(String.join("/", plan.dependencies())));
        }
        if (plan.password().isPresent()) {
            create.add("password= " + MASK);
        }
        out.append(String.join(" ", create)).append('\n');
        if (plan.delayedAutoStart()) {
            out.append("sc.exe config ").append(n).append(" start= delayed-auto\n");
        }
        out.append("sc.exe description ")
                .append(n)
                .append(' ')
                .append(WindowsCommandLine.quote(plan.description()))
                .append('\n');
        if (!plan.failureActions().isEmpty()) {
            String actions = plan.failureActions().stream()
                    .map(a -> (a.kind() == FailureAction.Kind.RESTART ? "restart" : "") + "/"
                            + a.delay().toMillis())
                    .collect(Collectors.joining("/"));
            out.append("sc.exe failure ")
                    .append(n)
                    .append(" reset= ")
                    .append(plan.resetPeriod().getSeconds())
                    .append(" actions= ")
                    .append(actions)
                    .append('\n');
            out.append("sc.exe failureflag ").append(n).append(" 1\n");
        }
        out.append("sc.exe sidtype ").append(n).append(" unrestricted\n");
        out.append("# PreshutdownTimeout has no sc.exe option: ChangeServiceConfig2(SERVICE_CONFIG_PRESHUTDOWN_INFO, ")
                .append(plan.preshutdownTimeout().toMillis())
                .append(" ms)\n\n");

        out.append("# Registry values: HKLM\\")
                .append(ScmInstallPlan.SERVICES_KEY)
                .append(plan.name())
                .append('\n');
        value(out, "Type", "REG_DWORD", "0x10 (SERVICE_WIN32_OWN_PROCESS)");
        value(out, "Start", "REG_DWORD", plan.startValue() + " (" + startWord(plan.startValue()) + ")");
        if (plan.delayedAutoStart()) {
            value(out, "DelayedAutostart", "REG_DWORD", "1");
        }
        value(out, "ErrorControl", "REG_DWORD", "1 (SERVICE_ERROR_NORMAL)");
        value(out, "ImagePath", "REG_EXPAND_SZ", plan.imagePath());
        value(out, "DisplayName", "REG_SZ", plan.displayName());
        value(out, "Description", "REG_SZ", plan.description());
        value(out, "ObjectName", "REG_SZ", plan.objectName() + accountNote(plan));
        if (!plan.dependencies().isEmpty()) {
            value(out, "DependOnService", "REG_MULTI_SZ", String.join("\\0", plan.dependencies()));
        }
        if (!plan.failureActions().isEmpty()) {
            value(out, "FailureActions", "REG_BINARY", hex(plan.failureActionsValue()));
            out.append(String.format(
                    Locale.ROOT,
                    "  %-34s %s\n",
                    "",
                    "reset after " + plan.resetPeriod().getSeconds() + " s; "
                            + plan.failureActions().stream()
                                    .map(ScmInstallPlanRenderer::describe)
                                    .collect(Collectors.joining(", "))));
            value(out, "FailureActionsOnNonCrashFailures", "REG_DWORD", "1");
        }
        value(out, "ServiceSidType", "REG_DWORD", "1 (SERVICE_SID_TYPE_UNRESTRICTED)");
        value(
                out,
                "PreshutdownTimeout",
                "REG_DWORD",
                plan.preshutdownTimeout().toMillis() + " (ms, the stop timeout "
                        + Durations.format(plan.preshutdownTimeout()) + ")");
        out.append('\n');

        out.append("# Event Log source: HKLM\\")
                .append(ScmInstallPlan.EVENT_LOG_KEY)
                .append(plan.name())
                .append('\n');
        value(out, "EventMessageFile", "REG_EXPAND_SZ", ScmInstallPlan.EVENT_MESSAGE_FILE);
        value(
                out,
                "TypesSupported",
                "REG_DWORD",
                ScmInstallPlan.EVENT_TYPES_SUPPORTED + " (error, warning, information)");
        out.append('\n');

        out.append("# Data directory (created if missing)\n");
        out.append("  ").append(plan.dataDirectory()).append('\n');
        out.append(
                        "  ACL (replaces the inherited entries): NT AUTHORITY\\SYSTEM full control, BUILTIN\\Administrators full control, ")
                .append(serviceAccess(plan))
                .append(" modify\n");
        if (!plan.writableDirectories().isEmpty()) {
            out.append('\n');
            out.append("# Other directories the configuration has the service write (created if missing; the data"
                    + " directory's ACL)\n");
            for (String dir : plan.writableDirectories()) {
                out.append("  ").append(dir).append('\n');
            }
        }
        return out.toString();
    }

    private static String serviceAccess(ScmInstallPlan plan) {
        String sid = "NT SERVICE\\" + plan.name();
        return plan.objectName().equalsIgnoreCase(sid) || plan.account() == ScmInstallPlan.AccountKind.BUILT_IN
                ? sid
                : sid + " and " + plan.objectName();
    }

    private static String accountNote(ScmInstallPlan plan) {
        switch (plan.account()) {
            case VIRTUAL:
                return " (virtual account: least privilege, no password)";
            case USER:
                return " (user account; password " + MASK + " passed to CreateService, never stored here)";
            case MANAGED:
                return " (managed service account, no password)";
            default:
                return " (built-in account)";
        }
    }

    private static String startWord(int start) {
        return start == 2 ? "automatic" : start == 3 ? "manual" : "disabled";
    }

    private static String describe(FailureAction action) {
        return action.kind() == FailureAction.Kind.RESTART
                ? "restart after " + action.delay().toMillis() + " ms"
                : "no action";
    }

    private static void value(StringBuilder out, String name, String type, String data) {
        out.append(String.format(Locale.ROOT, "  %-34s %-14s %s\n", name, type, data));
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            s.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xFF));
        }
        return s.toString();
    }
}
