package dev.servicekit.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Winsvc;
import dev.servicekit.scm.ScmApi;
import dev.servicekit.scm.ScmStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ScmApi} on the real SCM through JNA. The callback objects handed to native code are kept in fields
 * (and {@link #handlers}) for the life of this object: JNA callbacks that are garbage collected crash the
 * process when the SCM calls them.
 */
final class JnaScmApi implements ScmApi {

    private final Map<Long, Winsvc.HandlerEx> handlers = new ConcurrentHashMap<>();
    private volatile Winsvc.SERVICE_MAIN_FUNCTION main;
    private volatile Winsvc.SERVICE_TABLE_ENTRY[] table;

    @Override
    public int startServiceCtrlDispatcher(String serviceName, ServiceMain serviceMain) {
        main = (argc, argv) ->
                serviceMain.run(argc > 0 && argv != null ? argv.getWideStringArray(0, argc) : new String[0]);
        Winsvc.SERVICE_TABLE_ENTRY entry = new Winsvc.SERVICE_TABLE_ENTRY();
        entry.lpServiceName = serviceName;
        entry.lpServiceProc = main;
        table = (Winsvc.SERVICE_TABLE_ENTRY[]) entry.toArray(2); // the second entry stays zeroed: the terminator
        boolean ok = Advapi32.INSTANCE.StartServiceCtrlDispatcher(table);
        return ok ? NO_ERROR : Native.getLastError();
    }

    @Override
    public long registerServiceCtrlHandler(String serviceName, ControlHandler handler) {
        Winsvc.HandlerEx native_ = (control, eventType, eventData, context) -> handler.handle(control, eventType);
        Winsvc.SERVICE_STATUS_HANDLE handle =
                Advapi32.INSTANCE.RegisterServiceCtrlHandlerEx(serviceName, native_, null);
        if (handle == null || handle.getPointer() == null) {
            throw new IllegalStateException("RegisterServiceCtrlHandlerEx(\"" + serviceName
                    + "\") failed with Win32 error " + Native.getLastError());
        }
        long value = Pointer.nativeValue(handle.getPointer());
        handlers.put(value, native_);
        return value;
    }

    @Override
    public boolean setServiceStatus(long statusHandle, ScmStatus status) {
        Winsvc.SERVICE_STATUS s = new Winsvc.SERVICE_STATUS();
        s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
        s.dwCurrentState = status.currentState();
        s.dwControlsAccepted = status.controlsAccepted();
        s.dwWin32ExitCode = status.win32ExitCode();
        s.dwServiceSpecificExitCode = status.serviceSpecificExitCode();
        s.dwCheckPoint = status.checkPoint();
        s.dwWaitHint = status.waitHintMillis();
        return Advapi32.INSTANCE.SetServiceStatus(new Winsvc.SERVICE_STATUS_HANDLE(new Pointer(statusHandle)), s);
    }
}
