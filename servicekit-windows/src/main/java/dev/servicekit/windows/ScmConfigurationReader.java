package dev.servicekit.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.platform.win32.Winsvc;
import com.sun.jna.ptr.IntByReference;
import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceConfiguration;
import dev.servicekit.spi.StartType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads a service's configuration back from the SCM for {@code status}: {@code QueryServiceConfig} (start type,
 * account, display name, dependencies, command line) and {@code QueryServiceConfig2} (description, failure
 * actions, delayed auto-start, the non-crash flag, SID type, pre-shutdown timeout).
 *
 * <p>Where the SCM answers a {@code QueryServiceConfig2} level with ERROR_INVALID_LEVEL (124: it does not know the
 * setting; Wine's SCM, never Windows since Vista), the value is read from the registry value Windows keeps it in
 * ({@code DelayedAutostart}, {@code FailureActions}, {@code FailureActionsOnNonCrashFailures}, {@code ServiceSidType},
 * {@code PreshutdownTimeout}) — the one {@code install} writes itself on such an SCM — and a note says so. Any other
 * error leaves the value unknown with a note. Dependencies that {@code QueryServiceConfig} leaves out although
 * {@code DependOnService} lists them (Wine's SCM) are read from there, with a note.
 */
final class ScmConfigurationReader {

    /** What {@code QueryServiceConfig} returns, decoded. */
    record BaseConfig(int startType, String account, String displayName, List<String> dependencies, String command) {}

    /** One {@code QueryServiceConfig2} answer: the decoded value, or the Win32 error. */
    record Answer<T>(Optional<T> value, int error) {
        static <T> Answer<T> of(T value) {
            return new Answer<>(Optional.of(value), 0);
        }

        static <T> Answer<T> failed(int error) {
            return new Answer<>(Optional.empty(), error);
        }
    }

    /** The SCM's answers for one service. */
    interface Scm {
        BaseConfig base();

        Answer<String> description();

        Answer<ScmInstallPlan.FailureActionsValue> failureActions();

        Answer<Boolean> delayedAutoStart();

        Answer<Boolean> failureActionsOnNonCrashFailures();

        Answer<Integer> serviceSidType();

        Answer<Integer> preshutdownTimeoutMillis();
    }

    /** The service's registry key, {@code HKLM\SYSTEM\CurrentControlSet\Services\<name>}. */
    interface Registry {
        Optional<Integer> dword(String value);

        Optional<byte[]> binary(String value);

        List<String> multiString(String value);
    }

    private ScmConfigurationReader() {}

    /** The configuration from the SCM's answers, falling back to the registry on error 124 only. */
    static ServiceConfiguration read(Scm scm, Registry registry) {
        List<String> notes = new ArrayList<>();
        BaseConfig base = scm.base();
        Optional<Boolean> delayed = orRegistry(
                scm.delayedAutoStart(),
                "delayed auto-start",
                "DelayedAutostart",
                notes,
                () -> registry.dword("DelayedAutostart")
                        .map(v -> v != 0)
                        .or(() -> Optional.of(false))); // no value: not delayed, as on Windows
        Optional<StartType> startType = startType(base.startType(), delayed.orElse(false));
        Optional<ScmInstallPlan.FailureActionsValue> actions = orRegistry(
                scm.failureActions(),
                "failure actions",
                "FailureActions",
                notes,
                () -> registry.binary("FailureActions").map(ScmInstallPlan::parseFailureActionsValue));
        Optional<Boolean> nonCrash = orRegistry(
                scm.failureActionsOnNonCrashFailures(),
                "failure actions on non-crash failures",
                "FailureActionsOnNonCrashFailures",
                notes,
                () -> registry.dword("FailureActionsOnNonCrashFailures")
                        .map(v -> v != 0)
                        .or(() -> Optional.of(false)));
        Optional<String> sidType = orRegistry(
                        scm.serviceSidType(),
                        "service SID type",
                        "ServiceSidType",
                        notes,
                        () -> registry.dword("ServiceSidType").or(() -> Optional.of(0)))
                .map(ScmConfigurationReader::sidTypeName);
        Optional<Duration> preshutdown = orRegistry(
                        scm.preshutdownTimeoutMillis(),
                        "pre-shutdown timeout",
                        "PreshutdownTimeout",
                        notes,
                        () -> registry.dword("PreshutdownTimeout"))
                .map(ms -> Duration.ofMillis(ms & 0xFFFFFFFFL));
        Answer<String> description = scm.description();
        if (description.error() != 0) {
            notes.add("description: QueryServiceConfig2 failed with Win32 error " + description.error());
        }
        List<String> dependencies = base.dependencies();
        if (dependencies.isEmpty()) {
            List<String> registered = registry.multiString("DependOnService");
            if (!registered.isEmpty()) {
                // Wine's SCM keeps them (and honours none of them) but QueryServiceConfig returns none; Windows returns
                // exactly this value, so the two never disagree there
                notes.add("dependencies: QueryServiceConfig returned none but the registry value DependOnService lists "
                        + String.join(", ", registered) + "; read from the registry");
                dependencies = registered;
            }
        }
        return new ServiceConfiguration(
                startType,
                Optional.ofNullable(base.account()),
                Optional.ofNullable(base.displayName()),
                description.value(),
                dependencies,
                actions.map(ScmInstallPlan.FailureActionsValue::actions).orElse(List.of()),
                actions.map(ScmInstallPlan.FailureActionsValue::resetPeriod),
                nonCrash,
                sidType,
                preshutdown,
                Optional.ofNullable(base.command()),
                notes);
    }

    /**
     * How the SCM starts the service: the launch arguments of its image path ({@link ImagePath#launchArguments}) and
     * no working directory (the SCM has no such setting: a service starts in {@code System32}, and {@code install}
     * puts the data directory into the arguments as {@code --set data-dir=}). Empty when {@code QueryServiceConfig}
     * fails or the image path is not one {@code install} writes; never throws. The environment: the service key's
     * {@code Environment} value ({@link #environment}); not read when the registry will not give it.
     */
    static Optional<InstalledLaunch> installedLaunch(Scm scm, Registry registry) {
        String command;
        try {
            command = scm.base().command();
        } catch (RuntimeException e) {
            return Optional.empty(); // unreadable: status says why; the callers fall back to their defaults
        }
        Optional<InstalledLaunch> launch = Optional.ofNullable(command)
                .flatMap(ImagePath::launchArguments)
                .map(arguments -> new InstalledLaunch(arguments, Optional.empty()));
        if (launch.isEmpty()) {
            return launch;
        }
        List<String> entries;
        try {
            entries = registry.multiString(ENVIRONMENT_VALUE);
        } catch (RuntimeException e) {
            return launch; // access denied, or not a REG_MULTI_SZ: the environment is not known
        }
        return Optional.of(launch.get().withEnvironment(environment(entries)));
    }

    /** The service key's value the SCM adds to a service's environment, one {@code NAME=value} per string. */
    static final String ENVIRONMENT_VALUE = "Environment";

    /**
     * The variables of the service key's {@code Environment} value ({@code REG_MULTI_SZ}, absent: none), which the SCM
     * sets for the service process over the environment it gives every service (the system's as the SCM started,
     * which is not read here): {@code NAME=value} strings, split at the first {@code =}; of a name given twice the
     * later counts. A string that is not {@code NAME=value} is left out and said to be unread, without its text (it
     * may be a value).
     */
    static InstalledLaunch.Environment environment(List<String> entries) {
        java.util.Map<String, String> variables = new java.util.LinkedHashMap<>();
        List<String> unread = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i);
            int equals = entry.indexOf('=');
            if (equals <= 0) {
                unread.add("string " + (i + 1) + " of the Environment value is not NAME=value");
                continue;
            }
            variables.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        return new InstalledLaunch.Environment(variables, "the service key's Environment value", unread);
    }

    private static <T> Optional<T> orRegistry(
            Answer<T> answer,
            String what,
            String registryValue,
            List<String> notes,
            java.util.function.Supplier<Optional<T>> fromRegistry) {
        if (answer.error() == 0) {
            return answer.value();
        }
        if (answer.error() == ScmInstaller.ERROR_INVALID_LEVEL) {
            notes.add(what + ": this SCM does not know the setting (QueryServiceConfig2: Win32 error 124); read from"
                    + " the registry value " + registryValue);
            return fromRegistry.get();
        }
        notes.add(what + ": QueryServiceConfig2 failed with Win32 error " + answer.error());
        return Optional.empty();
    }

    /** {@code SERVICE_AUTO_START} 2 (delayed or not), {@code SERVICE_DEMAND_START} 3, {@code SERVICE_DISABLED} 4. */
    static Optional<StartType> startType(int start, boolean delayed) {
        switch (start) {
            case 2:
                return Optional.of(delayed ? StartType.DELAYED : StartType.AUTO);
            case 3:
                return Optional.of(StartType.MANUAL);
            case 4:
                return Optional.of(StartType.DISABLED);
            default:
                return Optional.empty(); // boot and system start: drivers only
        }
    }

    static String sidTypeName(int type) {
        switch (type) {
            case 0:
                return "none";
            case 1:
                return "unrestricted";
            case 3:
                return "restricted";
            default:
                return "unknown (" + type + ")";
        }
    }

    // -------------------------------------------------------------------------------------------- the real SCM

    /** {@code QUERY_SERVICE_CONFIGW}. */
    @Structure.FieldOrder({
        "dwServiceType",
        "dwStartType",
        "dwErrorControl",
        "lpBinaryPathName",
        "lpLoadOrderGroup",
        "dwTagId",
        "lpDependencies",
        "lpServiceStartName",
        "lpDisplayName"
    })
    public static final class QueryServiceConfigW extends Structure {
        public int dwServiceType;
        public int dwStartType;
        public int dwErrorControl;
        public Pointer lpBinaryPathName;
        public Pointer lpLoadOrderGroup;
        public int dwTagId;
        public Pointer lpDependencies;
        public Pointer lpServiceStartName;
        public Pointer lpDisplayName;

        public QueryServiceConfigW(Pointer p) {
            super(p);
            read();
        }
    }

    /** The SCM's answers through JNA, for a handle opened with {@code SERVICE_QUERY_CONFIG}. */
    static Scm jna(Winsvc.SC_HANDLE service, String name) {
        Advapi32 a = Advapi32.INSTANCE;
        return new Scm() {
            @Override
            public BaseConfig base() {
                IntByReference needed = new IntByReference();
                Advapi32Api.INSTANCE.QueryServiceConfigW(service, null, 0, needed);
                int size = Math.max(needed.getValue(), 64);
                Memory buffer = new Memory(size);
                if (!Advapi32Api.INSTANCE.QueryServiceConfigW(service, buffer, size, needed)) {
                    throw ScmInstaller.failure(
                            "read the configuration of \"" + name + "\" (QueryServiceConfig)",
                            name,
                            Native.getLastError());
                }
                QueryServiceConfigW c = new QueryServiceConfigW(buffer);
                return new BaseConfig(
                        c.dwStartType,
                        wide(c.lpServiceStartName),
                        wide(c.lpDisplayName),
                        multiString(c.lpDependencies),
                        wide(c.lpBinaryPathName));
            }

            private <T> Answer<T> query2(int level, Function<Memory, T> decode) {
                IntByReference needed = new IntByReference();
                Memory buffer = new Memory(8192); // the largest of these answers is a few hundred bytes
                if (!a.QueryServiceConfig2(service, level, buffer, (int) buffer.size(), needed)) {
                    return Answer.failed(Native.getLastError());
                }
                return Answer.of(decode.apply(buffer));
            }

            @Override
            public Answer<String> description() {
                return query2(Winsvc.SERVICE_CONFIG_DESCRIPTION, m -> {
                    String d = wide(m.getPointer(0));
                    return d == null ? "" : d;
                });
            }

            @Override
            public Answer<ScmInstallPlan.FailureActionsValue> failureActions() {
                return query2(Winsvc.SERVICE_CONFIG_FAILURE_ACTIONS, m -> {
                    Winsvc.SERVICE_FAILURE_ACTIONS f = new Winsvc.SERVICE_FAILURE_ACTIONS(m);
                    List<FailureAction> actions = new ArrayList<>();
                    if (f.cActions > 0 && f.lpsaActions != null) {
                        for (Structure s : f.lpsaActions.toArray(f.cActions)) {
                            Winsvc.SC_ACTION action = (Winsvc.SC_ACTION) s;
                            Duration delay = Duration.ofMillis(action.delay & 0xFFFFFFFFL);
                            actions.add(new FailureAction(
                                    action.type == 1 ? FailureAction.Kind.RESTART : FailureAction.Kind.NONE, delay));
                        }
                    }
                    return new ScmInstallPlan.FailureActionsValue(
                            Duration.ofSeconds(f.dwResetPeriod & 0xFFFFFFFFL), List.copyOf(actions));
                });
            }

            @Override
            public Answer<Boolean> delayedAutoStart() {
                return query2(Winsvc.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, m -> m.getInt(0) != 0);
            }

            @Override
            public Answer<Boolean> failureActionsOnNonCrashFailures() {
                return query2(Winsvc.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, m -> m.getInt(0) != 0);
            }

            @Override
            public Answer<Integer> serviceSidType() {
                return query2(Winsvc.SERVICE_CONFIG_SERVICE_SID_INFO, m -> m.getInt(0));
            }

            @Override
            public Answer<Integer> preshutdownTimeoutMillis() {
                return query2(Winsvc.SERVICE_CONFIG_PRESHUTDOWN_INFO, m -> m.getInt(0));
            }
        };
    }

    /** The service's key in the real registry. */
    static Registry jnaRegistry(String name) {
        String key = ScmInstallPlan.SERVICES_KEY + name;
        return new Registry() {
            @Override
            public Optional<Integer> dword(String value) {
                return Advapi32Util.registryValueExists(WinReg.HKEY_LOCAL_MACHINE, key, value)
                        ? Optional.of(Advapi32Util.registryGetIntValue(WinReg.HKEY_LOCAL_MACHINE, key, value))
                        : Optional.empty();
            }

            @Override
            public List<String> multiString(String value) {
                return Advapi32Util.registryValueExists(WinReg.HKEY_LOCAL_MACHINE, key, value)
                        ? List.of(Advapi32Util.registryGetStringArray(WinReg.HKEY_LOCAL_MACHINE, key, value))
                        : List.of();
            }

            @Override
            public Optional<byte[]> binary(String value) {
                return Advapi32Util.registryValueExists(WinReg.HKEY_LOCAL_MACHINE, key, value)
                        ? Optional.of(Advapi32Util.registryGetBinaryValue(WinReg.HKEY_LOCAL_MACHINE, key, value))
                        : Optional.empty();
            }
        };
    }

    private static String wide(Pointer p) {
        return p == null ? null : p.getWideString(0);
    }

    /** A {@code REG_MULTI_SZ}-style list: strings each ended by a NUL, the list by an empty one. */
    static List<String> multiString(Pointer p) {
        List<String> items = new ArrayList<>();
        if (p == null) {
            return items;
        }
        long offset = 0;
        while (true) {
            String item = p.getWideString(offset);
            if (item.isEmpty()) {
                return items;
            }
            items.add(item);
            offset += (item.length() + 1L) * Native.WCHAR_SIZE;
        }
    }

    /** {@code QueryServiceConfigW}, which jna-platform's {@link Advapi32} does not declare. */
    interface Advapi32Api extends com.sun.jna.win32.StdCallLibrary {
        Advapi32Api INSTANCE =
                Native.load("Advapi32", Advapi32Api.class, com.sun.jna.win32.W32APIOptions.DEFAULT_OPTIONS);

        boolean QueryServiceConfigW(Winsvc.SC_HANDLE service, Pointer buffer, int size, IntByReference needed);
    }
}
