package dev.servicekit.windows;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.Kernel32Util;
import com.sun.jna.platform.win32.W32ServiceManager;
import com.sun.jna.platform.win32.Win32Exception;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.platform.win32.Winsvc;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.win32.W32APIOptions;
import dev.servicekit.scm.ScmApi;
import dev.servicekit.scm.ScmStatus;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceConfiguration;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Installs and controls services through the SCM API with JNA (never by running {@code sc.exe}). Every
 * method opens and closes its own handles; Win32 errors become {@link ServiceManagerException}s: access denied
 * → exit 77 with "run from an elevated prompt", a missing service → exit 4.
 */
final class ScmInstaller {

    static final int ERROR_INVALID_LEVEL = 124;
    static final int ERROR_DEPENDENT_SERVICES_RUNNING = 1051;
    /** {@code SERVICE_ENUMERATE_DEPENDENTS}: to name the running dependents when a stop is refused. */
    private static final int SERVICE_ENUMERATE_DEPENDENTS = 0x0008;

    static final int ERROR_SERVICE_ALREADY_RUNNING = 1056;
    static final int ERROR_SERVICE_NOT_ACTIVE = 1062;
    static final int ERROR_SERVICE_MARKED_FOR_DELETE = 1072;
    static final int ERROR_SERVICE_EXISTS = 1073;

    private static final Advapi32 A = Advapi32.INSTANCE;

    // -------------------------------------------------------------------------------------------- install

    void install(ScmInstallPlan plan, Progress progress) {
        progress.step("Installing " + plan.name() + "...");
        Winsvc.SC_HANDLE scm =
                openScm(Winsvc.SC_MANAGER_CONNECT | Winsvc.SC_MANAGER_CREATE_SERVICE, "install " + plan.name());
        try {
            String dependencies = plan.dependencies().isEmpty() ? null : String.join("\0", plan.dependencies()) + "\0";
            Winsvc.SC_HANDLE service = A.CreateService(
                    scm,
                    plan.name(),
                    plan.displayName(),
                    Winsvc.SERVICE_ALL_ACCESS,
                    ScmInstallPlan.SERVICE_WIN32_OWN_PROCESS,
                    plan.startValue(),
                    ScmInstallPlan.SERVICE_ERROR_NORMAL,
                    plan.imagePath(),
                    null,
                    null,
                    dependencies,
                    plan.createServiceAccount().orElse(null),
                    plan.password().orElse(null));
            if (service == null) {
                int error = Native.getLastError();
                if (error == ERROR_SERVICE_EXISTS || error == ERROR_SERVICE_MARKED_FOR_DELETE) {
                    throw new ServiceManagerException(
                            "Service \"" + plan.name() + "\" is already installed; run uninstall first, or "
                                    + "choose another --name",
                            ExitCode.FAILURE);
                }
                throw failure("create service \"" + plan.name() + "\"", plan.name(), error);
            }
            try {
                configure(service, plan, progress);
            } catch (RuntimeException e) {
                if (!A.DeleteService(service)) {
                    e.addSuppressed(new IllegalStateException(
                            "could not delete the half-installed service: Win32 error " + Native.getLastError()));
                }
                throw e;
            } finally {
                A.CloseServiceHandle(service);
            }
        } finally {
            A.CloseServiceHandle(scm);
        }
        progress.step("registered with the SCM (" + plan.objectName() + ", start type "
                + plan.startType().cliName() + ")");
        try {
            registerEventSource(plan.name());
        } catch (RuntimeException e) {
            deleteAfterFailure(plan.name(), e);
            throw e;
        }
        progress.step("Event Log source \"" + plan.name() + "\" registered");
        Path data = createDataDirectory(plan, progress);
        for (String dir : plan.writableDirectories()) {
            createRestrictedDirectory(Path.of(dir), "directory", plan, progress);
        }
        progress.step("installed " + plan.name() + "; data directory " + data);
    }

    /** Removes a service whose install failed half-way, so that install can simply be run again. */
    private static void deleteAfterFailure(String name, RuntimeException failure) {
        Winsvc.SC_HANDLE scm = A.OpenSCManager(null, null, Winsvc.SC_MANAGER_CONNECT);
        if (scm == null) {
            failure.addSuppressed(new IllegalStateException(
                    "could not remove the half-installed service: Win32 error " + Native.getLastError()));
            return;
        }
        try {
            Winsvc.SC_HANDLE service = A.OpenService(scm, name, WinNtDelete.DELETE);
            if (service == null || !A.DeleteService(service)) {
                failure.addSuppressed(new IllegalStateException(
                        "could not remove the half-installed service: Win32 error " + Native.getLastError()));
            }
            if (service != null) {
                A.CloseServiceHandle(service);
            }
        } finally {
            A.CloseServiceHandle(scm);
        }
    }

    private static void configure(Winsvc.SC_HANDLE service, ScmInstallPlan plan, Progress progress) {
        RegistryFallback registry = new RegistryFallback(plan.name(), progress);
        Winsvc.SERVICE_DESCRIPTION description = new Winsvc.SERVICE_DESCRIPTION();
        description.lpDescription = plan.description();
        config2(
                service,
                Winsvc.SERVICE_CONFIG_DESCRIPTION,
                description,
                "description",
                () -> registry.warn("description"));
        if (plan.delayedAutoStart()) {
            config2Dword(
                    service,
                    Winsvc.SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
                    1,
                    "delayed auto-start",
                    () -> registry.dword("delayed auto-start", "DelayedAutostart", 1));
        }
        if (!plan.failureActions().isEmpty()) {
            Winsvc.SERVICE_FAILURE_ACTIONS actions = new Winsvc.SERVICE_FAILURE_ACTIONS();
            actions.dwResetPeriod = (int) plan.resetPeriod().getSeconds();
            actions.cActions = plan.failureActions().size();
            Winsvc.SC_ACTION.ByReference first = new Winsvc.SC_ACTION.ByReference();
            Winsvc.SC_ACTION[] array =
                    (Winsvc.SC_ACTION[]) first.toArray(plan.failureActions().size());
            for (int i = 0; i < array.length; i++) {
                FailureAction action = plan.failureActions().get(i);
                array[i].type = ScmInstallPlan.scActionType(action);
                array[i].delay = (int) action.delay().toMillis();
                array[i].write();
            }
            actions.lpsaActions = first;
            Runnable writeFailureActions =
                    () -> registry.binary("failure actions", "FailureActions", plan.failureActionsValue());
            if (config2(service, Winsvc.SERVICE_CONFIG_FAILURE_ACTIONS, actions, "failure actions", writeFailureActions)
                    && !failureActionsKept(service)) {
                // Wine's SCM accepts the call, keeps nothing and cannot answer the read-back (124)
                writeFailureActions.run();
            }
            Winsvc.SERVICE_FAILURE_ACTIONS_FLAG flag = new Winsvc.SERVICE_FAILURE_ACTIONS_FLAG();
            flag.fFailureActionsOnNonCrashFailures = 1;
            config2(
                    service,
                    Winsvc.SERVICE_CONFIG_FAILURE_ACTIONS_FLAG,
                    flag,
                    "failure actions flag",
                    () -> registry.dword("failure actions flag", "FailureActionsOnNonCrashFailures", 1));
        }
        config2Dword(
                service,
                Winsvc.SERVICE_CONFIG_SERVICE_SID_INFO,
                ScmInstallPlan.SERVICE_SID_TYPE_UNRESTRICTED,
                "service SID type",
                () -> registry.dword(
                        "service SID type", "ServiceSidType", ScmInstallPlan.SERVICE_SID_TYPE_UNRESTRICTED));
        int preshutdown = (int) plan.preshutdownTimeout().toMillis();
        config2Dword(
                service,
                Winsvc.SERVICE_CONFIG_PRESHUTDOWN_INFO,
                preshutdown,
                "pre-shutdown timeout",
                () -> registry.dword("pre-shutdown timeout", "PreshutdownTimeout", preshutdown));
    }

    /**
     * Whether the SCM can report the failure actions it was just given. Only ERROR_INVALID_LEVEL counts as "not
     * kept" (the SCM does not know the level at all); Windows answers this level since Vista.
     */
    private static boolean failureActionsKept(Winsvc.SC_HANDLE service) {
        Memory buffer = new Memory(8192);
        return A.QueryServiceConfig2(
                        service,
                        Winsvc.SERVICE_CONFIG_FAILURE_ACTIONS,
                        buffer,
                        (int) buffer.size(),
                        new IntByReference())
                || Native.getLastError() != ERROR_INVALID_LEVEL;
    }

    /**
     * The registry value Windows keeps a setting in, written by the installer itself, but only when the SCM does not
     * know the setting's {@code ChangeServiceConfig2} level (ERROR_INVALID_LEVEL, 124: Wine's SCM; Windows knows every
     * level used here since Vista). The values and their layout are the ones {@code --dry-run} lists.
     */
    private static final class RegistryFallback {
        private final String key;
        private final Progress progress;

        RegistryFallback(String name, Progress progress) {
            this.key = ScmInstallPlan.SERVICES_KEY + name;
            this.progress = progress;
        }

        void dword(String what, String value, int data) {
            try {
                Advapi32Util.registrySetIntValue(WinReg.HKEY_LOCAL_MACHINE, key, value, data);
            } catch (Win32Exception e) {
                throw failure("write the registry value HKLM\\" + key + "\\" + value, "", e.getErrorCode());
            }
            note(what, value);
        }

        void binary(String what, String value, byte[] data) {
            try {
                Advapi32Util.registrySetBinaryValue(WinReg.HKEY_LOCAL_MACHINE, key, value, data);
            } catch (Win32Exception e) {
                throw failure("write the registry value HKLM\\" + key + "\\" + value, "", e.getErrorCode());
            }
            note(what, value);
        }

        void warn(String what) {
            progress.step("warning: this Service Control Manager does not support the " + what
                    + " setting (Win32 error 124); installed without it");
        }

        private void note(String what, String value) {
            progress.step("note: this Service Control Manager does not keep the " + what
                    + " setting (Win32 error 124); wrote the registry value " + value + " that Windows keeps it in");
        }
    }

    /** {@code true} when the SCM took the setting; on error 124 runs {@code unsupported} and returns false. */
    private static boolean config2(
            Winsvc.SC_HANDLE service,
            int level,
            Winsvc.ChangeServiceConfig2Info info,
            String what,
            Runnable unsupported) {
        if (!A.ChangeServiceConfig2(service, level, info)) {
            unsupportedOrFail(what, Native.getLastError(), unsupported);
            return false;
        }
        return true;
    }

    /**
     * ERROR_INVALID_LEVEL: this SCM does not know the setting at all (Windows has known every level used here since
     * Vista; Wine's SCM knows only some): {@code unsupported} writes the registry value Windows would hold. Any other
     * error fails the install.
     */
    private static void unsupportedOrFail(String what, int error, Runnable unsupported) {
        if (error == ERROR_INVALID_LEVEL) {
            unsupported.run();
            return;
        }
        throw failure("set the " + what, "", error);
    }

    /**
     * The one-DWORD infos (delayed auto-start, SID type, pre-shutdown timeout) have no jna-platform structure;
     * pass a 4-byte buffer to {@code ChangeServiceConfig2W} directly.
     */
    private static void config2Dword(
            Winsvc.SC_HANDLE service, int level, int value, String what, Runnable unsupported) {
        Memory info = new Memory(4);
        info.setInt(0, value);
        Function f = NativeLibrary.getInstance("Advapi32", W32APIOptions.UNICODE_OPTIONS)
                .getFunction("ChangeServiceConfig2W");
        if (f.invokeInt(new Object[] {service, level, info}) == 0) {
            unsupportedOrFail(what, Native.getLastError(), unsupported);
        }
    }

    static void registerEventSource(String name) {
        String key = ScmInstallPlan.EVENT_LOG_KEY + name;
        try {
            Advapi32Util.registryCreateKey(WinReg.HKEY_LOCAL_MACHINE, key);
            Advapi32Util.registrySetExpandableStringValue(
                    WinReg.HKEY_LOCAL_MACHINE, key, "EventMessageFile", ScmInstallPlan.EVENT_MESSAGE_FILE);
            Advapi32Util.registrySetIntValue(
                    WinReg.HKEY_LOCAL_MACHINE, key, "TypesSupported", ScmInstallPlan.EVENT_TYPES_SUPPORTED);
        } catch (Win32Exception e) {
            throw failure("register the Event Log source HKLM\\" + key, name, e.getErrorCode());
        }
    }

    static void removeEventSource(String name, Progress progress) {
        String key = ScmInstallPlan.EVENT_LOG_KEY + name;
        try {
            if (Advapi32Util.registryKeyExists(WinReg.HKEY_LOCAL_MACHINE, key)) {
                Advapi32Util.registryDeleteKey(WinReg.HKEY_LOCAL_MACHINE, key);
                progress.step("Event Log source \"" + name + "\" removed");
            }
        } catch (Win32Exception e) {
            throw failure("remove the Event Log source HKLM\\" + key, name, e.getErrorCode());
        }
    }

    /**
     * {@code %ProgramData%\<name>} with an explicit ACL: SYSTEM and Administrators full control, the service's
     * own SID (and its user account, if it runs as one) modify, inherited by files and subdirectories. The
     * service SID exists once CreateService succeeded with SID type unrestricted, so this runs after it.
     */
    static Path createDataDirectory(ScmInstallPlan plan, Progress progress) {
        String programData = System.getenv().getOrDefault("ProgramData", "C:\\ProgramData");
        return createRestrictedDirectory(
                Path.of(programData, plan.dataSubdirectory()), "data directory", plan, progress);
    }

    /**
     * {@code dir} (created if missing) with the data directory's explicit ACL ({@link #createDataDirectory}); a
     * failure is a warning that says how to do it by hand, never an undone install.
     *
     * @param what names the directory in messages, e.g. {@code "data directory"}
     */
    static Path createRestrictedDirectory(Path dir, String what, ScmInstallPlan plan, Progress progress) {
        String serviceSid = "NT SERVICE\\" + plan.name();
        String fix = "; restrict it by hand: icacls \"" + dir
                + "\" /inheritance:r /grant:r SYSTEM:(OI)(CI)F Administrators:(OI)(CI)F \"" + serviceSid
                + "\":(OI)(CI)M";
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            // the service is installed and can run; the directory is not worth undoing the install for
            progress.step("warning: could not create the " + what + " " + dir + ": " + e + "; create it by hand" + fix);
            return dir;
        }
        AclFileAttributeView view = Files.getFileAttributeView(dir, AclFileAttributeView.class);
        if (view == null) {
            progress.step("warning: " + dir + " has no ACL support; its permissions stay inherited" + fix);
            return dir;
        }
        try {
            UserPrincipalLookupService lookup = dir.getFileSystem().getUserPrincipalLookupService();
            Set<AclEntryFlag> inherit = EnumSet.of(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT);
            Set<AclEntryPermission> full = EnumSet.allOf(AclEntryPermission.class);
            Set<AclEntryPermission> modify = EnumSet.allOf(AclEntryPermission.class);
            modify.removeAll(EnumSet.of(AclEntryPermission.WRITE_ACL, AclEntryPermission.WRITE_OWNER));
            List<AclEntry> acl = new ArrayList<>();
            acl.add(allow(lookup.lookupPrincipalByName("NT AUTHORITY\\SYSTEM"), full, inherit));
            acl.add(allow(lookup.lookupPrincipalByName("BUILTIN\\Administrators"), full, inherit));
            acl.add(allow(lookup.lookupPrincipalByName(serviceSid), modify, inherit));
            if (plan.account() == ScmInstallPlan.AccountKind.USER
                    || plan.account() == ScmInstallPlan.AccountKind.MANAGED) {
                acl.add(allow(lookup.lookupPrincipalByName(plan.objectName().replace(".\\", "")), modify, inherit));
            }
            view.setAcl(acl);
            progress.step(what + " " + dir + " restricted to SYSTEM, Administrators and " + serviceSid);
        } catch (IOException | UnsupportedOperationException e) {
            // e.g. the service SID cannot be resolved (Wine does not know NT SERVICE\ accounts)
            progress.step(
                    "warning: could not set the ACL of " + dir + " (" + e + "); its permissions stay inherited" + fix);
        }
        return dir;
    }

    private static AclEntry allow(UserPrincipal who, Set<AclEntryPermission> permissions, Set<AclEntryFlag> flags) {
        return AclEntry.newBuilder()
                .setType(AclEntryType.ALLOW)
                .setPrincipal(who)
                .setPermissions(permissions)
                .setFlags(flags)
                .build();
    }

    // -------------------------------------------------------------------------------------------- uninstall

    /**
     * Stops and deletes the service and its Event Log source; keeps the data directory.
     *
     * @param dataSubdirectory the data directory under {@code %ProgramData%}, named in the closing message
     */
    void uninstall(String name, String dataSubdirectory, Progress progress) {
        progress.step("Uninstalling " + name + "...");
        withService(
                name,
                Winsvc.SERVICE_STOP | Winsvc.SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS | WinNtDelete.DELETE,
                "uninstall",
                service -> {
                    Winsvc.SERVICE_STATUS_PROCESS status = query(service, name);
                    Optional<String> gone = status.dwCurrentState != ScmApi.SERVICE_STOPPED && status.dwProcessId > 0
                            ? processGone(status.dwProcessId)
                            : Optional.empty();
                    if (gone.isPresent()) {
                        // Wine's SCM after the process was killed: a stop cannot reach it (error 232)
                        progress.step("its process " + status.dwProcessId + " " + gone.get()
                                + " although the SCM says " + ScmStatus.stateName(status.dwCurrentState)
                                + "; deleting it without a stop");
                    } else if (status.dwCurrentState != ScmApi.SERVICE_STOPPED) {
                        stopAndWait(service, name, progress);
                    }
                    if (!A.DeleteService(service)) {
                        int error = Native.getLastError();
                        if (error != ERROR_SERVICE_MARKED_FOR_DELETE) {
                            throw failure("delete service \"" + name + "\"", name, error);
                        }
                    }
                    progress.step("service \"" + name + "\" deleted");
                    return null;
                });
        removeEventSource(name, progress);
        String programData = System.getenv().getOrDefault("ProgramData", "C:\\ProgramData");
        progress.step("uninstalled " + name + "; the data directory " + Path.of(programData, dataSubdirectory)
                + " was kept (delete it by hand to remove the data)");
    }

    /** The {@code DELETE} standard access right. */
    private static final class WinNtDelete {
        static final int DELETE = 0x00010000;
    }

    // -------------------------------------------------------------------------------------------- controls

    void start(String name, Progress progress) {
        progress.step("Starting " + name + "...");
        long t0 = System.nanoTime();
        withService(name, Winsvc.SERVICE_START | Winsvc.SERVICE_QUERY_STATUS, "start", service -> {
            if (!A.StartService(service, 0, null)) {
                int error = Native.getLastError();
                if (error == ERROR_SERVICE_ALREADY_RUNNING) {
                    progress.step("already running");
                    return null;
                }
                throw failure("start service \"" + name + "\"", name, error);
            }
            Winsvc.SERVICE_STATUS_PROCESS status = waitWhile(service, name, ScmApi.SERVICE_START_PENDING, progress);
            if (status.dwCurrentState != ScmApi.SERVICE_RUNNING) {
                throw new ServiceManagerException(
                        "Service \"" + name + "\" did not start: it is " + ScmStatus.stateName(status.dwCurrentState)
                                + exitText(status) + "; see the Application log in Event Viewer (source \"" + name
                                + "\")",
                        ExitCode.FAILURE);
            }
            progress.step(String.format(
                    Locale.ROOT, "running (%.1f s, pid %d)", (System.nanoTime() - t0) / 1e9, status.dwProcessId));
            return null;
        });
    }

    void stop(String name, Progress progress) {
        progress.step("Stopping " + name + "...");
        long t0 = System.nanoTime();
        withService(
                name,
                Winsvc.SERVICE_STOP | Winsvc.SERVICE_QUERY_STATUS | SERVICE_ENUMERATE_DEPENDENTS,
                "stop",
                service -> {
                    stopAndWait(service, name, progress);
                    progress.step(String.format(Locale.ROOT, "stopped (%.1f s)", (System.nanoTime() - t0) / 1e9));
                    return null;
                });
    }

    private static void stopAndWait(Winsvc.SC_HANDLE service, String name, Progress progress) {
        // Windows refuses the stop itself (1051) while dependents run; asking first names them, and gives the same
        // answer on an SCM that would stop the service under its dependents (Wine's)
        List<String> dependents = runningDependents(service, name);
        if (!dependents.isEmpty()) {
            throw ScmErrors.dependentServicesRunning(name, dependents);
        }
        Winsvc.SERVICE_STATUS status = new Winsvc.SERVICE_STATUS();
        if (!A.ControlService(service, ScmApi.SERVICE_CONTROL_STOP, status)) {
            int error = Native.getLastError();
            if (error == ERROR_SERVICE_NOT_ACTIVE) {
                progress.step("not running");
                return;
            }
            if (error == ERROR_DEPENDENT_SERVICES_RUNNING) {
                throw ScmErrors.dependentServicesRunning(name, runningDependents(service, name));
            }
            if (error != 1061) { // ERROR_SERVICE_CANNOT_ACCEPT_CTRL: already stopping, wait below
                throw failure("stop service \"" + name + "\"", name, error);
            }
        }
        Winsvc.SERVICE_STATUS_PROCESS after = waitWhile(service, name, ScmApi.SERVICE_STOP_PENDING, progress);
        if (after.dwCurrentState != ScmApi.SERVICE_STOPPED) {
            throw new ServiceManagerException(
                    "Service \"" + name + "\" did not stop: it is " + ScmStatus.stateName(after.dwCurrentState)
                            + "; try again, or end its process (pid " + after.dwProcessId + ") in Task Manager",
                    ExitCode.FAILURE);
        }
    }

    /**
     * The names of the running services that depend on this one: {@code EnumDependentServices}, else a scan of the
     * running services' registry value {@code DependOnService} (one read each) for an SCM whose
     * {@code EnumDependentServices} returns nothing (Wine's). Empty if none, or if they cannot be read.
     */
    private static List<String> runningDependents(Winsvc.SC_HANDLE service, String name) {
        IntByReference needed = new IntByReference();
        IntByReference count = new IntByReference();
        Memory buffer = new Memory(16384);
        List<String> names = new ArrayList<>();
        if (A.EnumDependentServices(service, Winsvc.SERVICE_ACTIVE, buffer, (int) buffer.size(), needed, count)
                && count.getValue() > 0) {
            Winsvc.ENUM_SERVICE_STATUS first =
                    com.sun.jna.Structure.newInstance(Winsvc.ENUM_SERVICE_STATUS.class, buffer);
            first.read();
            for (com.sun.jna.Structure s : first.toArray(count.getValue())) {
                names.add(((Winsvc.ENUM_SERVICE_STATUS) s).lpServiceName);
            }
            return names;
        }
        try (W32ServiceManager manager = new W32ServiceManager()) {
            manager.open(Winsvc.SC_MANAGER_CONNECT | Winsvc.SC_MANAGER_ENUMERATE_SERVICE);
            for (Winsvc.ENUM_SERVICE_STATUS_PROCESS running :
                    manager.enumServicesStatusExProcess(SERVICE_WIN32, Winsvc.SERVICE_ACTIVE, null)) {
                String other = running.lpServiceName;
                if (other.equalsIgnoreCase(name)) {
                    continue;
                }
                try {
                    // DependOnService is where both keep a service's dependencies: Windows' QueryServiceConfig
                    // answers exactly this value, Wine's answers none although it writes it
                    if (ScmConfigurationReader.jnaRegistry(other).multiString("DependOnService").stream()
                            .anyMatch(name::equalsIgnoreCase)) {
                        names.add(other);
                    }
                } catch (RuntimeException e) {
                    // a service whose configuration cannot be read is not known to depend on this one
                }
            }
        } catch (RuntimeException e) {
            return List.of(); // Windows still refuses with 1051 itself
        }
        return names;
    }

    /** {@code SERVICE_WIN32}: own-process and shared-process services. */
    private static final int SERVICE_WIN32 = 0x30;

    void reload(String name, Progress progress) {
        withService(
                name,
                0x0040 /* SERVICE_PAUSE_CONTINUE: needed for PARAMCHANGE */ | Winsvc.SERVICE_QUERY_STATUS,
                "reload",
                service -> {
                    Winsvc.SERVICE_STATUS status = new Winsvc.SERVICE_STATUS();
                    if (!A.ControlService(service, ScmApi.SERVICE_CONTROL_PARAMCHANGE, status)) {
                        int error = Native.getLastError();
                        if (error == ERROR_SERVICE_NOT_ACTIVE) {
                            throw new ServiceManagerException(
                                    "Service \"" + name + "\" is not running; start it first", ExitCode.NOT_RUNNING);
                        }
                        throw failure("send PARAMCHANGE (reload) to \"" + name + "\"", name, error);
                    }
                    progress.step("reload requested (PARAMCHANGE sent); the outcome is logged in the Application log");
                    return null;
                });
    }

    ServiceStatus status(String name) {
        Winsvc.SC_HANDLE scm = openScm(Winsvc.SC_MANAGER_CONNECT, "query " + name);
        try {
            Winsvc.SC_HANDLE service =
                    A.OpenService(scm, name, Winsvc.SERVICE_QUERY_STATUS | Winsvc.SERVICE_QUERY_CONFIG);
            if (service == null) {
                int error = Native.getLastError();
                if (error == ScmErrors.ERROR_SERVICE_DOES_NOT_EXIST) {
                    return ServiceStatus.notInstalled();
                }
                throw failure("open service \"" + name + "\"", name, error);
            }
            try {
                Winsvc.SERVICE_STATUS_PROCESS s = query(service, name);
                Optional<String> gone = s.dwCurrentState != ScmApi.SERVICE_STOPPED && s.dwProcessId > 0
                        ? processGone(s.dwProcessId)
                        : Optional.empty();
                if (gone.isPresent()) {
                    return new ServiceStatus(
                                    true,
                                    false,
                                    ScmStatus.stateName(s.dwCurrentState) + ", but its process " + s.dwProcessId + " "
                                            + gone.get() + " and the SCM has not noticed",
                                    OptionalLong.empty(),
                                    OptionalInt.empty(),
                                    OptionalInt.empty())
                            .withConfiguration(configuration(service, name));
                }
                boolean running = s.dwCurrentState == ScmApi.SERVICE_RUNNING;
                OptionalInt exit = s.dwCurrentState == ScmApi.SERVICE_STOPPED
                        ? OptionalInt.of(
                                s.dwWin32ExitCode == ScmApi.ERROR_SERVICE_SPECIFIC_ERROR
                                        ? s.dwServiceSpecificExitCode
                                        : s.dwWin32ExitCode)
                        : OptionalInt.empty();
                return new ServiceStatus(
                                true,
                                running,
                                ScmStatus.stateName(s.dwCurrentState),
                                s.dwProcessId > 0 ? OptionalLong.of(s.dwProcessId) : OptionalLong.empty(),
                                exit,
                                OptionalInt.empty())
                        .withConfiguration(configuration(service, name));
            } finally {
                A.CloseServiceHandle(service);
            }
        } finally {
            A.CloseServiceHandle(scm);
        }
    }

    /**
     * The launch read back from the image path ({@link ScmConfigurationReader#installedLaunch}); empty when the
     * service does not exist or the SCM will not say (any error: the callers fall back to their defaults).
     */
    Optional<InstalledLaunch> installedLaunch(String name) {
        Winsvc.SC_HANDLE scm = A.OpenSCManager(null, null, Winsvc.SC_MANAGER_CONNECT);
        if (scm == null) {
            return Optional.empty();
        }
        try {
            Winsvc.SC_HANDLE service = A.OpenService(scm, name, Winsvc.SERVICE_QUERY_CONFIG);
            if (service == null) {
                return Optional.empty(); // not installed (1060), or not ours to read
            }
            try {
                return ScmConfigurationReader.installedLaunch(
                        ScmConfigurationReader.jna(service, name), ScmConfigurationReader.jnaRegistry(name));
            } finally {
                A.CloseServiceHandle(service);
            }
        } finally {
            A.CloseServiceHandle(scm);
        }
    }

    /**
     * The configuration read back ({@link ScmConfigurationReader}); when even {@code QueryServiceConfig} fails, an
     * empty one whose note says why, so that {@code status} still answers.
     */
    private static ServiceConfiguration configuration(Winsvc.SC_HANDLE service, String name) {
        try {
            return ScmConfigurationReader.read(
                    ScmConfigurationReader.jna(service, name), ScmConfigurationReader.jnaRegistry(name));
        } catch (RuntimeException e) {
            return new ServiceConfiguration(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    List.of(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    List.of("the configuration could not be read: " + e.getMessage()));
        }
    }

    /**
     * Empty while {@code pid} runs; otherwise how it ended ({@code "has exited with code 1"}, {@code "is gone"}).
     * Windows' SCM notices a service process that dies at once (STOPPED, error 1067, then the recovery actions);
     * Wine's keeps reporting RUNNING with the dead pid, so {@code status} asks the process itself.
     */
    private static Optional<String> processGone(int pid) {
        WinNT.HANDLE process = Kernel32.INSTANCE.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
        if (process == null) {
            return Native.getLastError() == ERROR_INVALID_PARAMETER ? Optional.of("is gone") : Optional.empty();
        }
        try {
            IntByReference code = new IntByReference();
            if (Kernel32.INSTANCE.GetExitCodeProcess(process, code) && code.getValue() != STILL_ACTIVE) {
                return Optional.of("has exited with code " + code.getValue());
            }
            return Optional.empty();
        } finally {
            Kernel32.INSTANCE.CloseHandle(process);
        }
    }

    private static final int PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
    /** OpenProcess of a process id that no longer exists. */
    private static final int ERROR_INVALID_PARAMETER = 87;

    private static final int STILL_ACTIVE = 259;

    // -------------------------------------------------------------------------------------------- helpers

    private interface ServiceAction<T> {
        T apply(Winsvc.SC_HANDLE service);
    }

    private static <T> T withService(String name, int access, String verb, ServiceAction<T> action) {
        Winsvc.SC_HANDLE scm = openScm(Winsvc.SC_MANAGER_CONNECT, verb + " " + name);
        try {
            Winsvc.SC_HANDLE service = A.OpenService(scm, name, access);
            if (service == null) {
                throw failure(verb + " service \"" + name + "\"", name, Native.getLastError());
            }
            try {
                return action.apply(service);
            } finally {
                A.CloseServiceHandle(service);
            }
        } finally {
            A.CloseServiceHandle(scm);
        }
    }

    private static Winsvc.SC_HANDLE openScm(int access, String what) {
        Winsvc.SC_HANDLE scm = A.OpenSCManager(null, null, access);
        if (scm == null) {
            throw failure(what + " (OpenSCManager)", "", Native.getLastError());
        }
        return scm;
    }

    private static Winsvc.SERVICE_STATUS_PROCESS query(Winsvc.SC_HANDLE service, String name) {
        Winsvc.SERVICE_STATUS_PROCESS status = new Winsvc.SERVICE_STATUS_PROCESS();
        if (!A.QueryServiceStatusEx(
                service, Winsvc.SC_STATUS_TYPE.SC_STATUS_PROCESS_INFO, status, status.size(), new IntByReference())) {
            throw failure("query service \"" + name + "\"", name, Native.getLastError());
        }
        return status;
    }

    /** Polls while the service is in {@code pendingState}, at most {@link ScmPendingWait#DEFAULT_BOUND} overall. */
    private static Winsvc.SERVICE_STATUS_PROCESS waitWhile(
            Winsvc.SC_HANDLE service, String name, int pendingState, Progress progress) {
        return ScmPendingWait.system()
                .whilePending(
                        name,
                        pendingState,
                        () -> query(service, name),
                        s -> new ScmStatus(
                                s.dwCurrentState,
                                s.dwControlsAccepted,
                                s.dwWin32ExitCode,
                                s.dwServiceSpecificExitCode,
                                s.dwCheckPoint,
                                s.dwWaitHint));
    }

    private static String exitText(Winsvc.SERVICE_STATUS_PROCESS status) {
        if (status.dwWin32ExitCode == ScmApi.ERROR_SERVICE_SPECIFIC_ERROR) {
            return " with service-specific exit code " + status.dwServiceSpecificExitCode;
        }
        return status.dwWin32ExitCode == 0 ? "" : " with Win32 exit code " + status.dwWin32ExitCode;
    }

    static ServiceManagerException failure(String what, String name, int error) {
        return ScmErrors.failure(what, name, error, ScmInstaller::message);
    }

    private static String message(int error) {
        try {
            return Kernel32Util.formatMessage(error).strip();
        } catch (RuntimeException | LinkageError e) {
            return "no system message";
        }
    }
}
