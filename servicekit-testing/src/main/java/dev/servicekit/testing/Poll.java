package dev.servicekit.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one way tests wait: ask again until the answer is there or the deadline passes, then fail with what was
 * awaited and the last thing seen. Never a bare {@code Thread.sleep} in a test.
 *
 * {@snippet :
 * Poll.until(Duration.ofSeconds(10), "the service to answer 200", () -> client.get("/health/ready").status() == 200);
 * JsonNode last = Poll.until(Duration.ofSeconds(10), "a reload report",
 *         () -> Optional.of(status()).filter(s -> !s.path("lastReload").isNull()));
 * }
 */
public final class Poll {

    /** How long to wait between two attempts. */
    static final Duration INTERVAL = Duration.ofMillis(20);

    private Poll() {
    }

    /**
     * Waits until {@code condition} is true.
     *
     * @param timeout how long to try
     * @param what    what is awaited, for the failure message (e.g. {@code "the API to refuse connections"})
     * @throws AssertionError when the deadline passes (or the thread is interrupted; the flag is restored)
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        until(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /**
     * Waits until {@code attempt} returns a value, and returns it.
     *
     * @param timeout how long to try
     * @param what    what is awaited, for the failure message
     * @param attempt one try: the value, or empty to try again; an exception it throws counts as "not yet" and its
     *                message is shown if the deadline passes
     * @return the first value
     * @throws AssertionError when the deadline passes (or the thread is interrupted; the flag is restored)
     */
    public static <T> T until(Duration timeout, String what, Supplier<Optional<T>> attempt) {
        Objects.requireNonNull(what, "what");
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "";
        while (true) {
            try {
                Optional<T> value = attempt.get();
                if (value.isPresent()) {
                    return value.get();
                }
                lastProblem = "";
            } catch (RuntimeException e) {
                lastProblem = "; last attempt threw " + e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("Waited " + timeout + " for " + what + lastProblem);
            }
            try {
                Thread.sleep(Math.max(1, Math.min(INTERVAL.toMillis(), left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + what, e);
            }
        }
    }
}
