package dev.servicekit.windows;

import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.WinNT;

/**
 * {@link EventLogWriter} through {@code RegisterEventSourceW}/{@code ReportEventW}. The source's message file is
 * EventCreate.exe (registered at install), whose messages 1..1000 render their single insertion string.
 */
final class JnaEventLogWriter implements EventLogWriter {

    private final WinNT.HANDLE source;

    JnaEventLogWriter(String sourceName) {
        source = Advapi32.INSTANCE.RegisterEventSource(null, sourceName);
        if (source == null) {
            throw new IllegalStateException("RegisterEventSource(\"" + sourceName + "\") failed with Win32 error "
                    + com.sun.jna.Native.getLastError() + "; reinstall the service to register the source");
        }
    }

    @Override
    public boolean report(int eventType, int eventId, String text) {
        return Advapi32.INSTANCE.ReportEvent(source, eventType, 0, eventId, null, 1, 0, new String[] {text}, null);
    }

    @Override
    public void close() {
        Advapi32.INSTANCE.DeregisterEventSource(source);
    }
}
