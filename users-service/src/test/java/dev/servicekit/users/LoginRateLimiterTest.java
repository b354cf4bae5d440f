package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginRateLimiterTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
    final LoginRateLimiter limiter = new LoginRateLimiter(5, Duration.ofMinutes(1), clock);

    @Test
    void theSixthFailureWithinTheWindowIsRefusedUntilTheOldestExpires() {
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.retryAfter("10.0.0.1", "ada@example.com")).isEmpty();
            limiter.recordFailure("10.0.0.1", "ada@example.com");
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(limiter.retryAfter("10.0.0.1", "ada@example.com")).contains(Duration.ofSeconds(55));
        clock.advance(Duration.ofSeconds(55));
        assertThat(limiter.retryAfter("10.0.0.1", "ada@example.com")).isEmpty();
    }

    @Test
    void failuresCountPerClientAcrossAccountsAndPerAccountAcrossClients() {
        for (int i = 0; i < 5; i++) {
            limiter.recordFailure("10.0.0.1", "user" + i + "@example.com");
        }
        assertThat(limiter.retryAfter("10.0.0.1", "someone@example.com")).isPresent();
        assertThat(limiter.retryAfter("10.0.0.2", "someone@example.com")).isEmpty();

        for (int i = 0; i < 5; i++) {
            limiter.recordFailure("10.0.1." + i, "Target@Example.com");
        }
        assertThat(limiter.retryAfter("10.9.9.9", "target@example.com")).isPresent();
    }

    @Test
    void aSuccessClearsTheAccountsFailures() {
        for (int i = 0; i < 4; i++) {
            limiter.recordFailure("10.0.0." + i, "ada@example.com");
        }
        limiter.recordSuccess("ada@example.com");
        limiter.recordFailure("10.0.0.9", "ada@example.com");

        assertThat(limiter.retryAfter("10.0.0.10", "ada@example.com")).isEmpty();
    }
}
