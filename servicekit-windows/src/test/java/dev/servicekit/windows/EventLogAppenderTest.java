package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventLogAppenderTest {

    private final List<EventLogAppender.Entry> written = new CopyOnWriteArrayList<>();
    private final List<String> openedSources = new CopyOnWriteArrayList<>();
    private final LoggerContext context = new LoggerContext();
    private EventLogAppender appender;
    private Logger log;

    @BeforeEach
    void attach() {
        appender = new EventLogAppender(source -> {
            openedSources.add(source);
            return new EventLogWriter() {
                @Override
                public boolean report(int eventType, int eventId, String text) {
                    return written.add(new EventLogAppender.Entry(eventType, eventId, text));
                }

                @Override
                public void close() {}
            };
        });
        appender.setContext(context);
        appender.setSource("users-service");
        appender.start();
        log = context.getLogger("dev.servicekit.test");
        log.addAppender(appender);
    }

    @AfterEach
    void detach() {
        appender.stop();
        context.stop();
    }

    @Test
    void lifecycleEventsGoToTheEventLogWithTheirOwnIdsAndTypes() {
        log.info(LifecycleEvent.STARTED.marker(), "users-service started");
        log.warn(LifecycleEvent.RELOAD_FAILED.marker(), "reload refused: http.port cannot change at runtime");
        log.error(LifecycleEvent.START_FAILED.marker(), "users-service failed to start");

        assertThat(openedSources).containsExactly("users-service");
        assertThat(written).extracting(EventLogAppender.Entry::eventId).containsExactly(1, 5, 8);
        assertThat(written).extracting(EventLogAppender.Entry::eventType).containsExactly(4, 2, 1);
        assertThat(written.get(0).text()).startsWith("users-service started").contains("Logger: dev.servicekit.test");
    }

    @Test
    void plainWarnAndErrorGetTheGenericIdsAndPlainInfoStaysOut() {
        log.info("GET /users 200");
        log.debug("details");
        log.warn("disk almost full");
        log.error("store unreachable", new IllegalStateException("connection refused"));

        assertThat(written)
                .extracting(EventLogAppender.Entry::eventId)
                .containsExactly(LifecycleEvent.WARNING_EVENT_ID, LifecycleEvent.ERROR_EVENT_ID);
        assertThat(written.get(1).text()).contains("store unreachable", "IllegalStateException: connection refused");
    }

    @Test
    void everyEventIdIsInTheRangeTheEventCreateMessageFileRenders() {
        for (LifecycleEvent event : LifecycleEvent.values()) {
            assertThat(event.eventId()).isBetween(1, 1000);
        }
        assertThat(LifecycleEvent.WARNING_EVENT_ID).isBetween(1, 1000);
        assertThat(LifecycleEvent.ERROR_EVENT_ID).isBetween(1, 1000);
    }

    @Test
    void anAppenderWithoutSourceDoesNotStart() {
        EventLogAppender noSource = new EventLogAppender(source -> {
            throw new AssertionError("must not open a source");
        });
        noSource.setContext(context);

        noSource.start();

        assertThat(noSource.isStarted()).isFalse();
    }
}
