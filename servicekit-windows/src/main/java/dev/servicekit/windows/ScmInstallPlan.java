package dev.servicekit.windows;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.StartType;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code install} does on Windows, as values: the arguments of {@code CreateService} and
 * {@code ChangeServiceConfig2}, which the SCM stores as registry values under
 * {@code HKLM\SYSTEM\CurrentControlSet\Services\<name>}, plus the Event Log source and the data directory.
 * Built by a pure function from an {@link InstallRequest}; the installer and {@code --dry-run} both read it.
 *
 * @param name                     service name (the registry key)
 * @param displayName              {@code DisplayName}
 * @param description              {@code Description}
 * @param imagePath                {@code ImagePath}
 * @param startType                the {@link StartType} asked for
 * @param objectName               {@code ObjectName}: the account
 * @param account                  what kind of account that is
 * @param password                 the user account's password; never printed
 * @param dependencies             {@code DependOnService}
 * @param failureActions           recovery actions, in order
 * @param resetPeriod              the failure count resets after this long without failure
 * @param preshutdownTimeout       {@code PreshutdownTimeout}: the stop timeout
 * @param dataSubdirectory         the data directory under {@code %ProgramData%}: the service name, or
 *                                 {@code <name>\<instance>} for an instance
 * @param writableDirectories      other directories the service writes, outside the data directory (absolute); they
 *                                 get the data directory's ACL
 */
record ScmInstallPlan(
        String name,
        String displayName,
        String description,
        String imagePath,
        StartType startType,
        String objectName,
        AccountKind account,
        Optional<String> password,
        List<String> dependencies,
        List<FailureAction> failureActions,
        Duration resetPeriod,
        Duration preshutdownTimeout,
        String dataSubdirectory,
        List<String> writableDirectories) {

    /** {@code SERVICE_WIN32_OWN_PROCESS}. */
    static final int SERVICE_WIN32_OWN_PROCESS = 0x10;
    /** {@code SERVICE_ERROR_NORMAL}. */
    static final int SERVICE_ERROR_NORMAL = 1;
    /** {@code SERVICE_SID_TYPE_UNRESTRICTED}: the service gets its own SID {@code NT SERVICE\<name>} in its token. */
    static final int SERVICE_SID_TYPE_UNRESTRICTED = 1;

    static final String SERVICES_KEY = "SYSTEM\\CurrentControlSet\\Services\\";
    static final String EVENT_LOG_KEY = "SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\";
    /**
     * The message file of Go's {@code eventlog.InstallAsEventCreate}: EventCreate.exe holds messages 1..1000 that
     * render their single insertion string, so Event Viewer shows our text instead of "description cannot be found".
     */
    static final String EVENT_MESSAGE_FILE = "%SystemRoot%\\System32\\EventCreate.exe";
    /** {@code EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE}. */
    static final int EVENT_TYPES_SUPPORTED = 7;

    /** The kinds of account a service can run as. */
    enum AccountKind {
        /** {@code NT SERVICE\<name>}: least privilege, no password, its own profile and SID. */
        VIRTUAL,
        /** LocalSystem, NT AUTHORITY\LocalService, NT AUTHORITY\NetworkService. */
        BUILT_IN,
        /** A group managed service account ({@code DOMAIN\name$}): no password. */
        MANAGED,
        /** A local or domain user with a password. */
        USER
    }

    ScmInstallPlan {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(dataSubdirectory, "dataSubdirectory");
        dependencies = List.copyOf(dependencies);
        failureActions = List.copyOf(failureActions);
        writableDirectories = List.copyOf(writableDirectories);
    }

    /**
     * Turns the request into the plan, checking everything first.
     *
     * @throws ServiceManagerException exit 2 listing every problem at once
     */
    static ScmInstallPlan from(InstallRequest request) {
        List<String> problems = new ArrayList<>();
        String name = serviceName(request.service());
        if (name.length() > 256 || name.contains("/") || name.contains("\\")) {
            problems.add("service name \"" + name
                    + "\" must be at most 256 characters without \"/\" or \"\\\"; choose another --name");
        }
        if (request.service().user()) {
            problems.add("--user is not supported on Windows: services are system-wide; drop --user");
        }
        if (request.service().root().isPresent()) {
            problems.add("--root \"" + request.service().root().get()
                    + "\" is not supported on Windows: the plan lives in the SCM and the "
                    + "registry, not in files; use --dry-run to see it");
        }
        String objectName;
        AccountKind kind;
        String account = request.account().map(String::strip).orElse("");
        String lower = account.toLowerCase(Locale.ROOT);
        if (account.isEmpty()) {
            objectName = "NT SERVICE\\" + name;
            kind = AccountKind.VIRTUAL;
        } else if (lower.equals("localsystem")
                || lower.equals(".\\localsystem")
                || lower.equals("nt authority\\system")) {
            objectName = "LocalSystem";
            kind = AccountKind.BUILT_IN;
        } else if (lower.equals("localservice") || lower.equals("nt authority\\localservice")) {
            objectName = "NT AUTHORITY\\LocalService";
            kind = AccountKind.BUILT_IN;
        } else if (lower.equals("networkservice") || lower.equals("nt authority\\networkservice")) {
            objectName = "NT AUTHORITY\\NetworkService";
            kind = AccountKind.BUILT_IN;
        } else if (lower.startsWith("nt service\\")) {
            objectName = account;
            kind = AccountKind.VIRTUAL;
        } else if (account.endsWith("$")) {
            objectName = account;
            kind = AccountKind.MANAGED;
        } else {
            objectName = account.contains("\\") || account.contains("@") ? account : ".\\" + account;
            kind = AccountKind.USER;
        }
        if (kind == AccountKind.USER && request.password().isEmpty()) {
            problems.add("account \"" + objectName
                    + "\" is a user account and needs its password; pass --password-stdin and write it to "
                    + "stdin, or use the default virtual account (omit --account)");
        }
        if (kind != AccountKind.USER && request.password().isPresent()) {
            problems.add("account \"" + objectName
                    + "\" has no password; drop --password-stdin (only user accounts take one)");
        }
        for (String dependency : request.dependsOn()) {
            if (dependency.isBlank() || dependency.contains("/")) {
                problems.add("--depends-on \"" + dependency
                        + "\" is not a service name; give the service name, e.g. --depends-on Tcpip");
            }
        }
        for (FailureAction action : request.onFailure()) {
            if (action.delay().toMillis() > 0xFFFF_FFFFL) {
                problems.add("--on-failure delay \"" + action + "\" is longer than Windows allows (49 days)");
            }
        }
        if (request.resetAfter().getSeconds() > 0xFFFF_FFFFL
                || request.resetAfter().isNegative()) {
            problems.add("--reset-after \"" + request.resetAfter() + "\" is out of range (0 .. 136 years)");
        }
        if (request.stopTimeout().isNegative() || request.stopTimeout().toMillis() > 0xFFFF_FFFFL) {
            problems.add("--stop-timeout \"" + request.stopTimeout() + "\" is out of range");
        }
        // systemd-only requests that change what the service may do: refused, not ignored (docs/decisions.md).
        if (request.bindPrivilegedPorts()) {
            problems.add("--bind-privileged-ports is systemd only, and Windows needs nothing of the kind: any service"
                    + " account may listen on a port below 1024; drop it");
        }
        if (request.dropIn().isPresent()) {
            problems.add("--drop-in is systemd only: a Windows service has no unit drop-in to apply it to; drop it"
                    + " (--jvm-option, --account and --depends-on set what the SCM runs)");
        }
        if (!problems.isEmpty()) {
            throw new ServiceManagerException(
                    "Cannot install \"" + name + "\" on Windows:\n  - " + String.join("\n  - ", problems),
                    ExitCode.USAGE);
        }
        String data = dataSubdirectory(request.service());
        return new ScmInstallPlan(
                name,
                request.displayName()
                        + request.service().instance().map(i -> " (" + i + ")").orElse(""),
                request.description(),
                ImagePath.of(withInstance(request.launch(), request.service()), programData() + "\\" + data),
                request.startType(),
                objectName,
                kind,
                request.password(),
                request.dependsOn(),
                request.onFailure(),
                request.resetAfter(),
                request.stopTimeout(),
                data,
                outside(request.writableDirectories(), programData() + "\\" + data));
    }

    /**
     * The absolute directories not at or under {@code dataDirectory}, compared as Windows does (case-insensitive,
     * either slash): those need the ACL; a relative one is under the service's working directory, the data directory,
     * whose ACL it inherits.
     */
    static List<String> outside(List<String> directories, String dataDirectory) {
        String data = trimmed(dataDirectory).toLowerCase(java.util.Locale.ROOT);
        List<String> outside = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String dir : directories) {
            String lower = trimmed(dir.replace('/', '\\')).toLowerCase(java.util.Locale.ROOT);
            boolean absolute = lower.matches("[a-z]:\\\\.*|\\\\\\\\.+");
            if (absolute && !lower.equals(data) && !lower.startsWith(data + "\\") && seen.add(lower)) {
                outside.add(trimmed(dir));
            }
        }
        return outside;
    }

    private static String trimmed(String dir) {
        return dir.endsWith("\\") && dir.length() > 3 ? dir.substring(0, dir.length() - 1) : dir;
    }

    /**
     * The SCM's name for the service: its name, or {@code <name>$<instance>} for one of several instances, as SQL
     * Server names its instances ({@code MSSQL$SQLEXPRESS}). The Event Log source and the virtual account
     * ({@code NT SERVICE\<name>$<instance>}) take the same name.
     */
    static String serviceName(ServiceRef service) {
        return service.name() + service.instance().map(i -> "$" + i).orElse("");
    }

    /** The data directory under {@code %ProgramData%}: {@code <name>}, or {@code <name>\<instance>}. */
    static String dataSubdirectory(ServiceRef service) {
        return service.name() + service.instance().map(i -> "\\" + i).orElse("");
    }

    /** {@code --instance <instance>} in front of the launch arguments, for an instance. */
    private static LaunchCommand withInstance(LaunchCommand launch, ServiceRef service) {
        if (service.instance().isEmpty()) {
            return launch;
        }
        List<String> arguments =
                new ArrayList<>(List.of("--instance", service.instance().get()));
        arguments.addAll(launch.arguments());
        return new LaunchCommand(launch.java(), launch.jvmOptions(), launch.jar(), arguments);
    }

    /** {@code Start}: 2 automatic (also for delayed), 3 manual (demand), 4 disabled. */
    int startValue() {
        switch (startType) {
            case AUTO:
            case DELAYED:
                return 2;
            case MANUAL:
                return 3;
            default:
                return 4;
        }
    }

    boolean delayedAutoStart() {
        return startType == StartType.DELAYED;
    }

    /** Recovery actions on exits with a service-specific code too, not only on crashes. */
    boolean failureActionsOnNonCrashFailures() {
        return !failureActions.isEmpty();
    }

    /** {@code CreateService}'s account argument: null for LocalSystem. */
    Optional<String> createServiceAccount() {
        return objectName.equals("LocalSystem") ? Optional.empty() : Optional.of(objectName);
    }

    /** {@code %ProgramData%} of this machine, {@code C:\ProgramData} where it is not set (off Windows, in tests). */
    static String programData() {
        String value = System.getenv("ProgramData");
        return value == null || value.isBlank() ? "C:\\ProgramData" : value;
    }

    /** The data directory, with the environment variable unexpanded. */
    String dataDirectory() {
        return "%ProgramData%\\" + dataSubdirectory;
    }

    /**
     * The {@code FailureActions} registry value: {@code SERVICE_FAILURE_ACTIONS} in its 32-bit registry layout
     * (reset period in seconds, reboot message and command offsets 0, the action count, the offset 0x14 of the
     * actions), then one {@code SC_ACTION} (type, delay in ms) per action.
     */
    byte[] failureActionsValue() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeDword(out, resetPeriod.getSeconds());
        writeDword(out, 0);
        writeDword(out, 0);
        writeDword(out, failureActions.size());
        writeDword(out, failureActions.isEmpty() ? 0 : 0x14);
        for (FailureAction action : failureActions) {
            writeDword(out, scActionType(action));
            writeDword(out, action.delay().toMillis());
        }
        return out.toByteArray();
    }

    /** A {@code FailureActions} registry value, read: the reset period and the actions. */
    record FailureActionsValue(Duration resetPeriod, List<FailureAction> actions) {}

    /**
     * Reads a {@code FailureActions} registry value (the layout {@link #failureActionsValue()} writes, which is what
     * Windows keeps): action types other than restart and none (reboot 2, run a command 3) read as none.
     *
     * @throws IllegalArgumentException when the value is shorter than its header or its action count says
     */
    static FailureActionsValue parseFailureActionsValue(byte[] value) {
        if (value.length < 20) {
            throw new IllegalArgumentException(
                    "a FailureActions value has a 20-byte header; this one has " + value.length + " bytes");
        }
        long reset = dword(value, 0);
        long count = dword(value, 12);
        if (value.length < 20 + 8 * count) {
            throw new IllegalArgumentException("a FailureActions value with " + count + " actions needs "
                    + (20 + 8 * count) + " bytes; this one has " + value.length);
        }
        List<FailureAction> actions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long type = dword(value, 20 + 8 * i);
            long delay = dword(value, 24 + 8 * i);
            actions.add(
                    type == 1
                            ? new FailureAction(FailureAction.Kind.RESTART, Duration.ofMillis(delay))
                            : new FailureAction(FailureAction.Kind.NONE, Duration.ofMillis(delay)));
        }
        return new FailureActionsValue(Duration.ofSeconds(reset), List.copyOf(actions));
    }

    private static long dword(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    /** {@code SC_ACTION_NONE} 0 or {@code SC_ACTION_RESTART} 1. */
    static int scActionType(FailureAction action) {
        return action.kind() == FailureAction.Kind.RESTART ? 1 : 0;
    }

    private static void writeDword(ByteArrayOutputStream out, long value) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "ScmInstallPlan[name=" + name + ", imagePath=" + imagePath + ", startType=" + startType + ", objectName="
                + objectName
                + ", password=" + (password.isPresent() ? "******" : "none") + ", dependencies=" + dependencies
                + ", failureActions=" + failureActions + ", resetPeriod=" + resetPeriod + ", preshutdownTimeout="
                + preshutdownTimeout + "]";
    }
}
