package dev.servicekit.users;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs at WARN why the store failed a request with {@link StoreUnavailableException}: the client's 503 says only
 * "not answering" (it must not name the database), and the error mapper logs that same text, so without this line an
 * operator could not tell PostgreSQL down from a refused login or a dropped database. At most one line per
 * {@link #EVERY}, saying how many failures it stands for: an outage under load logs a line every few seconds, not one
 * per request. Thread-safe.
 */
final class StoreFailureLog {

    /** The shortest time between two lines. */
    static final Duration EVERY = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(StoreFailureLog.class);

    private final Clock clock;
    private Instant lastLogged;
    private long notLogged;

    StoreFailureLog(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records a failed request; logs its reason unless a line was logged within {@link #EVERY}. */
    void failed(StoreUnavailableException e) {
        Instant now = clock.instant();
        long before;
        synchronized (this) {
            if (lastLogged != null && now.isBefore(lastLogged.plus(EVERY))) {
                notLogged++;
                return;
            }
            before = notLogged;
            notLogged = 0;
            lastLogged = now;
        }
        LOG.warn(
                "The user store failed a request (answered 503){}: {}",
                before == 0 ? "" : ", and " + before + " more since the last such line",
                e.getMessage());
    }
}
