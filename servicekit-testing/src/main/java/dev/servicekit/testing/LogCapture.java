package dev.servicekit.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures what one Logback logger (and its children) logs for the duration of a test.
 *
 * {@snippet :
 * try (LogCapture log = LogCapture.of("dev.servicekit.http.access")) {
 *     client.get("/hello");
 *     assertThat(log.messages()).anyMatch(m -> m.contains("GET /hello"));
 * }
 * }
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            // Logback reads the MDC lazily; capture it now, on the logging thread.
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    private LogCapture(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.setName("log-capture");
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing what {@code loggerName} logs ({@code ROOT} for everything). */
    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    /** A snapshot of the events so far; the appender appends under its own monitor. */
    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** The formatted messages so far. */
    public List<String> messages() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Whether the appender is still attached to the logger (a reconfiguration that resets Logback removes it). */
    public boolean attached() {
        return logger.getAppender(appender.getName()) == appender;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
