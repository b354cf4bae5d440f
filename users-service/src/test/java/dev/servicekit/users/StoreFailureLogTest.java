package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoreFailureLogTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T08:00:00Z"));
    private final StoreFailureLog failures = new StoreFailureLog(clock);

    @Test
    void logsTheFirstFailureWithItsReasonThenAtMostOneLinePerIntervalCountingTheOthers() {
        try (LogCapture log = LogCapture.of(StoreFailureLog.class.getName())) {
            failures.failed(new StoreUnavailableException("connecting fails: FATAL: password authentication failed"));
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofSeconds(1));
                failures.failed(new StoreUnavailableException("the same outage"));
            }
            assertThat(log.messages())
                    .containsExactly("The user store failed a request (answered 503): connecting fails: FATAL:"
                            + " password authentication failed");

            clock.advance(StoreFailureLog.EVERY);
            failures.failed(new StoreUnavailableException("PostgreSQL did not answer"));

            assertThat(log.messages())
                    .hasSize(2)
                    .last()
                    .isEqualTo("The user store failed a request (answered 503), and 5 more since the last such line:"
                            + " PostgreSQL did not answer");
        }
    }
}
