package dev.servicekit.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait: ask again until the answer is there or the deadline passes, then fail with what was
 * awaited and the last thing seen. Never a bare {@code Thread.sleep} in a test. Its counterpart {@link #during} keeps
 * asking for a whole window, to see that something did not happen.
 *
 * {@snippet :
 * Poll.until(Duration.ofSeconds(10), "the service to answer 200", () -> client.get("/health/ready").status() == 200);
 * JsonNode last = Poll.until(Duration.ofSeconds(10), "a reload report",
 *         () -> Optional.of(status()).filter(s -> !s.path("lastReload").isNull()));
 * String level = Poll.until(Duration.ofSeconds(2), "the root level DEBUG", () -> rootLevel(), "DEBUG"::equals);
 * Poll.during(Duration.ofMillis(600), "one reload only", () -> reloads.get() == 1);
 * }
 */
public final class Poll {

    /** How long to wait between two attempts. */
    static final Duration INTERVAL = Duration.ofMillis(20);

    private Poll() {}

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
        return poll(timeout, what, attempt, Optional::isPresent, false).get();
    }

    /**
     * Reads until {@code done} accepts what was read, and returns it; if the deadline passes, the message shows the
     * last value read (a scrape, a log, a state seen from outside), which is usually why the wait failed.
     *
     * @param timeout how long to try
     * @param what    what is awaited, for the failure message
     * @param read    one try: the current value; an exception it throws counts as "not yet" and its message is shown
     *                if the deadline passes
     * @param done    whether a value read is the one awaited
     * @return the first value {@code done} accepted
     * @throws AssertionError when the deadline passes (or the thread is interrupted; the flag is restored)
     */
    public static <T> T until(Duration timeout, String what, Supplier<? extends T> read, Predicate<? super T> done) {
        Objects.requireNonNull(done, "done");
        return poll(timeout, what, read, done, true);
    }

    /**
     * Checks that {@code condition} holds for the whole of {@code during}, asking as often as {@link #until} does: the
     * only way to see that something did not happen (a second reload, a callback after close). Returns when the window
     * has passed.
     *
     * @param during how long the condition must hold
     * @param what   what must hold, for the failure message (e.g. {@code "no reload after close"})
     * @throws AssertionError at the first check that finds the condition false (or if the thread is interrupted; the
     *                        flag is restored); an exception the condition throws is not caught
     */
    public static void during(Duration during, String what, BooleanSupplier condition) {
        Objects.requireNonNull(what, "what");
        long begin = System.nanoTime();
        long end = begin + during.toNanos();
        while (true) {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("Expected " + what + " for " + during + ", but it stopped holding after "
                        + Duration.ofNanos(System.nanoTime() - begin));
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            pause(left, what);
        }
    }

    private static <T> T poll(
            Duration timeout, String what, Supplier<? extends T> read, Predicate<? super T> done, boolean showLast) {
        Objects.requireNonNull(what, "what");
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "";
        while (true) {
            try {
                T value = read.get();
                if (done.test(value)) {
                    return value;
                }
                lastProblem = showLast ? "; last seen: " + value : "";
            } catch (RuntimeException e) {
                lastProblem = "; last attempt threw " + e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("Waited " + timeout + " for " + what + lastProblem);
            }
            pause(left, what);
        }
    }

    private static void pause(long leftNanos, String what) {
        try {
            Thread.sleep(Math.max(1, Math.min(INTERVAL.toMillis(), leftNanos / 1_000_000)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + what, e);
        }
    }
}
