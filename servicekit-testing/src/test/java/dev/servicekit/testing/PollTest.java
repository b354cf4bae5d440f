package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class PollTest {

    private final AtomicInteger count = new AtomicInteger();

    @Test
    void untilAsksAgainUntilTheConditionHolds() {
        Poll.until(Duration.ofSeconds(10), "the third try", () -> count.incrementAndGet() == 3);

        assertThat(count).hasValue(3);
    }

    @Test
    void untilReturnsTheFirstValueAndCountsAnExceptionAsNotYet() {
        String value = Poll.until(Duration.ofSeconds(10), "a value", () -> {
            if (count.incrementAndGet() == 1) {
                throw new IllegalStateException("not listening yet");
            }
            return count.get() == 2 ? Optional.empty() : Optional.of("value " + count.get());
        });

        assertThat(value).isEqualTo("value 3");
    }

    @Test
    void untilFailsAfterTheTimeoutSayingWhatWasAwaitedAndTheLastProblem() {
        long begin = System.nanoTime();

        assertThatThrownBy(() -> Poll.until(Duration.ofMillis(200), "etcd to answer", (BooleanSupplier) () -> {
                    throw new IllegalStateException("connection refused");
                }))
                .isInstanceOf(AssertionError.class)
                .hasMessage(
                        "Waited PT0.2S for etcd to answer; last attempt threw java.lang.IllegalStateException: connection refused");
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void untilWithAReadReturnsTheAcceptedValueAndOnTimeoutShowsTheLastValueRead() {
        assertThat(Poll.until(Duration.ofSeconds(10), "three", count::incrementAndGet, n -> n == 3))
                .isEqualTo(3);

        assertThatThrownBy(() -> Poll.until(Duration.ofMillis(100), "the level DEBUG", () -> "INFO", "DEBUG"::equals))
                .isInstanceOf(AssertionError.class)
                .hasMessage("Waited PT0.1S for the level DEBUG; last seen: INFO");
    }

    @Test
    void anInterruptedWaitFailsAndKeepsTheInterruptFlag() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(10), "never", () -> false))
                    .isInstanceOf(AssertionError.class)
                    .hasMessage("Interrupted while waiting for never");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void duringKeepsAskingForTheWholeWindow() {
        long begin = System.nanoTime();

        Poll.during(Duration.ofMillis(200), "the condition", () -> count.incrementAndGet() > 0);

        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(count.get()).as("asked more than once").isGreaterThan(2);
    }

    @Test
    void duringFailsAtTheFirstCheckThatFindsTheConditionFalse() {
        long begin = System.nanoTime();

        assertThatThrownBy(
                        () -> Poll.during(Duration.ofSeconds(30), "one reload only", () -> count.incrementAndGet() < 3))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("Expected one reload only for PT30S, but it stopped holding after ");
        assertThat(count).hasValue(3);
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(10));
    }
}
