package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoginRateLimiterTest {

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T12:00:00Z"));
    final UserStore store = new InMemoryUserStore(clock);
    final LoginRateLimiter limiter = new LoginRateLimiter(store, 5, Duration.ofMinutes(1), clock);

    @TempDir
    Path dir;

    @AfterEach
    void closeStore() {
        store.close();
    }

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
        assertThat(store.loginFailures(LoginRateLimiter.accountKey("ada@example.com"), Instant.EPOCH))
                .hasSize(1);
    }

    @Test
    void withMoreFailuresThanTheLimitTheWaitLastsUntilTheWindowHoldsFewerThanTheLimit() {
        // Instances that checked at the same moment may each have let one attempt through: seven failures recorded.
        for (int i = 0; i < 7; i++) {
            limiter.recordFailure("10.0.0.1", "ada@example.com");
            clock.advance(Duration.ofSeconds(1));
        }

        // Failures at 0..6 s, now 7 s: five or more stay in the window until the one at 2 s leaves it, at 62 s.
        assertThat(limiter.retryAfter("10.0.0.1", "ada@example.com")).contains(Duration.ofSeconds(55));
        clock.advance(Duration.ofSeconds(54));
        assertThat(limiter.retryAfter("10.0.0.1", "ada@example.com")).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.retryAfter("10.0.0.1", "ada@example.com")).isEmpty();
    }

    @Test
    void failuresSpreadOverTwoInstancesOnOneSqliteDatabaseHitTheLimitAtTheSameCount() {
        Path file = dir.resolve("users.db");
        try (UserStore first = SqliteUserStore.open(file, 2, Duration.ofSeconds(5), clock);
                UserStore second = SqliteUserStore.open(file, 2, Duration.ofSeconds(5), clock)) {
            LoginRateLimiter[] instances = {
                new LoginRateLimiter(first, 5, Duration.ofMinutes(1), clock),
                new LoginRateLimiter(second, 5, Duration.ofMinutes(1), clock)
            };
            for (int i = 0; i < 5; i++) {
                LoginRateLimiter instance = instances[i % 2];
                assertThat(instance.retryAfter("10.0.0." + i, "ada@example.com"))
                        .as("attempt %d", i + 1)
                        .isEmpty();
                instance.recordFailure("10.0.0." + i, "ada@example.com");
                clock.advance(Duration.ofSeconds(1));
            }

            for (LoginRateLimiter instance : instances) {
                assertThat(instance.retryAfter("10.0.0.99", "ADA@example.com")).contains(Duration.ofSeconds(55));
            }
            instances[1].recordSuccess("ada@example.com");
            assertThat(instances[0].retryAfter("10.0.0.99", "ada@example.com")).isEmpty();
        }
    }
}
