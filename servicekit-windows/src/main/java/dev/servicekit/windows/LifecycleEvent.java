package dev.servicekit.windows;

import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * The lifecycle events the Windows runner logs, each with its Event Log event id (1..1000, the range the
 * EventCreate.exe message file renders) and an SLF4J marker. {@link EventLogAppender} writes events carrying
 * one of these markers at their own id; other WARN and ERROR events get {@link #WARNING_EVENT_ID} and
 * {@link #ERROR_EVENT_ID}.
 *
 * <p>{@code log.info(LifecycleEvent.STARTED.marker(), "users-service started")}
 */
public enum LifecycleEvent {
    /** The service reported RUNNING to the SCM. */
    STARTED(1, Severity.INFORMATION),
    /** A stop control arrived; draining. */
    STOPPING(2, Severity.INFORMATION),
    /** Stopped cleanly. */
    STOPPED(3, Severity.INFORMATION),
    /** A reload (PARAMCHANGE) applied the new configuration. */
    RELOADED(4, Severity.INFORMATION),
    /** A reload was refused; the old configuration stays. */
    RELOAD_FAILED(5, Severity.WARNING),
    /** Paused: readiness off, the API answers 503. */
    PAUSED(6, Severity.INFORMATION),
    /** Continued after a pause. */
    CONTINUED(7, Severity.INFORMATION),
    /** Start failed; the SCM got the service-specific exit code. */
    START_FAILED(8, Severity.ERROR),
    /** Stop did not finish cleanly. */
    STOP_FAILED(9, Severity.ERROR),
    /** Pause failed; the service stays running. */
    PAUSE_FAILED(10, Severity.ERROR),
    /** Continue failed; the service stays paused. */
    CONTINUE_FAILED(11, Severity.ERROR);

    /** The event id of WARN events without a lifecycle marker. */
    public static final int WARNING_EVENT_ID = 100;
    /** The event id of ERROR events without a lifecycle marker. */
    public static final int ERROR_EVENT_ID = 200;

    /** Event Log entry types. */
    public enum Severity {
        /** {@code EVENTLOG_INFORMATION_TYPE}. */
        INFORMATION(4),
        /** {@code EVENTLOG_WARNING_TYPE}. */
        WARNING(2),
        /** {@code EVENTLOG_ERROR_TYPE}. */
        ERROR(1);

        private final int eventType;

        Severity(int eventType) {
            this.eventType = eventType;
        }

        /** The Win32 {@code wType} of {@code ReportEventW}. */
        public int eventType() {
            return eventType;
        }
    }

    private final int eventId;
    private final Severity severity;
    private final Marker marker;

    LifecycleEvent(int eventId, Severity severity) {
        this.eventId = eventId;
        this.severity = severity;
        this.marker = MarkerFactory.getMarker("servicekit.lifecycle." + name().toLowerCase(java.util.Locale.ROOT));
    }

    /** The Event Log event id. */
    public int eventId() {
        return eventId;
    }

    /** The Event Log entry type. */
    public Severity severity() {
        return severity;
    }

    /** The SLF4J marker that tags a log event as this lifecycle event. */
    public Marker marker() {
        return marker;
    }
}
