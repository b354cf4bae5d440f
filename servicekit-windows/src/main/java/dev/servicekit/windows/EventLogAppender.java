package dev.servicekit.windows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Marker;

/**
 * A Logback appender that writes to the Windows Application log under the service's event source: lifecycle
 * events (logged with a {@link LifecycleEvent} marker) at their own event ids, and every other WARN and ERROR
 * event at {@link LifecycleEvent#WARNING_EVENT_ID} / {@link LifecycleEvent#ERROR_EVENT_ID}. Plain INFO and below
 * stay out of the Event Log. The source must be registered (install does that), else Event Viewer cannot
 * render the text.
 *
 * <pre>{@code
 * <appender name="EVENTLOG" class="dev.servicekit.windows.EventLogAppender">
 *   <source>users-service</source>
 * </appender>
 * }</pre>
 *
 * <p>Thread-safe (Logback serializes {@code append}). Failures to write never throw into the application; they
 * are reported once through Logback's status manager.
 */
public final class EventLogAppender extends AppenderBase<ILoggingEvent> {

    /** Event Log strings are limited to 31,839 characters; longer text is cut. */
    static final int MAX_TEXT = 31_000;

    private final Function<String, EventLogWriter> writers;
    private String source;
    private EventLogWriter writer;
    private boolean warnedOnce;

    /** An appender on the real Event Log (Logback creates it from configuration). */
    public EventLogAppender() {
        this(JnaEventLogWriter::new);
    }

    EventLogAppender(Function<String, EventLogWriter> writers) {
        this.writers = writers;
    }

    /**
     * Adds an Event Log appender for {@code source} to Logback's root logger, when Logback is the SLF4J
     * backend; does nothing otherwise. Called once the SCM has started the service, so console runs never
     * write to the Event Log. A configuration reload keeps it: reloads set levels and never reset Logback.
     *
     * @param source the registered Event Log source, the service name
     */
    public static void attachToRoot(String source) {
        if (!(org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext)) {
            return;
        }
        ch.qos.logback.classic.LoggerContext context =
                (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender("EVENTLOG") != null) {
            return;
        }
        EventLogAppender appender = new EventLogAppender();
        appender.setContext(context);
        appender.setName("EVENTLOG");
        appender.setSource(source);
        appender.start();
        root.addAppender(appender);
    }

    public void setSource(String source) {
        this.source = source;
    }

    /** The event source. */
    public String source() {
        return source;
    }

    @Override
    public void start() {
        if (source == null || source.isBlank()) {
            addError("EventLogAppender \"" + getName()
                    + "\" needs <source>: the service name the source was registered under");
            return;
        }
        try {
            writer = writers.apply(source);
        } catch (RuntimeException | LinkageError e) {
            addError("EventLogAppender cannot open the Event Log source \"" + source + "\": " + e, e);
            return;
        }
        super.start();
    }

    @Override
    public void stop() {
        super.stop();
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        Optional<Entry> entry = entryFor(event);
        if (entry.isEmpty()) {
            return;
        }
        Entry e = entry.get();
        if (!writer.report(e.eventType(), e.eventId(), e.text()) && !warnedOnce) {
            warnedOnce = true;
            addWarn("ReportEvent to source \"" + source + "\" failed; further failures are not reported");
        }
    }

    /** What goes to the Event Log for one logging event; empty for events that stay out. */
    static Optional<Entry> entryFor(ILoggingEvent event) {
        Optional<LifecycleEvent> lifecycle = lifecycle(event.getMarkerList());
        String text = text(event);
        if (lifecycle.isPresent()) {
            return Optional.of(new Entry(
                    lifecycle.get().severity().eventType(), lifecycle.get().eventId(), text));
        }
        if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
            return Optional.of(
                    new Entry(LifecycleEvent.Severity.ERROR.eventType(), LifecycleEvent.ERROR_EVENT_ID, text));
        }
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            return Optional.of(
                    new Entry(LifecycleEvent.Severity.WARNING.eventType(), LifecycleEvent.WARNING_EVENT_ID, text));
        }
        return Optional.empty();
    }

    private static Optional<LifecycleEvent> lifecycle(List<Marker> markers) {
        if (markers == null) {
            return Optional.empty();
        }
        for (Marker marker : markers) {
            for (LifecycleEvent candidate : LifecycleEvent.values()) {
                if (marker.contains(candidate.marker())) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static String text(ILoggingEvent event) {
        StringBuilder text = new StringBuilder(event.getFormattedMessage());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            text.append("\r\n\r\n")
                    .append(ThrowableProxyUtil.asString(thrown)
                            .replace("\r\n", "\n")
                            .replace("\n", "\r\n"));
        }
        text.append("\r\n\r\nLogger: ")
                .append(event.getLoggerName())
                .append("; thread: ")
                .append(event.getThreadName());
        return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "..." : text.toString();
    }

    /** One Event Log entry. */
    record Entry(int eventType, int eventId, String text) {}
}
