package dev.servicekit.http;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The slots of the overload limiter: one fair {@link Semaphore} whose size follows
 * {@link ApiSettings#maxConcurrentRequests()}. Fair, so waiting requests are admitted first come, first served
 * and a newcomer never overtakes one that is already queued. A waiting request parks its virtual thread
 * ({@code Semaphore} is built on {@code LockSupport.park}, which unmounts it), so waiting costs no platform
 * thread.
 *
 * <p>Resizing keeps the count of requests holding a slot: growing releases the difference, shrinking takes it
 * away (the available count may go negative until enough running requests finish). "Unlimited" is a very large
 * size, so every request goes through the same acquire and release and switching to and from unlimited needs no
 * special case.
 */
final class ConcurrencyLimiter {

    /** The size that stands for "unlimited"; far above any number of threads a JVM can run. */
    static final int UNLIMITED = Integer.MAX_VALUE / 2;

    private final ResizableSemaphore slots = new ResizableSemaphore();
    private int size;

    ConcurrencyLimiter(int maxConcurrentRequests) {
        resize(maxConcurrentRequests);
    }

    /** Sets the number of slots; {@code 0} means unlimited. Requests already admitted keep their slot. */
    synchronized void resize(int maxConcurrentRequests) {
        int target = maxConcurrentRequests == 0 ? UNLIMITED : maxConcurrentRequests;
        int delta = target - size;
        if (delta > 0) {
            slots.release(delta);
        } else if (delta < 0) {
            slots.shrink(-delta);
        }
        size = target;
    }

    /**
     * Takes a slot, waiting up to {@code timeout} behind the requests queued before this one.
     *
     * @return whether a slot was taken; if so, {@link #release()} must follow
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    boolean acquire(Duration timeout) throws InterruptedException {
        // The timed form even for zero: unlike tryAcquire(), it honours fairness and never barges past waiters.
        return slots.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void release() {
        slots.release();
    }

    /** Slots free right now; for tests and diagnostics. */
    int available() {
        return slots.availablePermits();
    }

    private static final class ResizableSemaphore extends Semaphore {
        private static final long serialVersionUID = 1L;

        ResizableSemaphore() {
            super(0, true);
        }

        void shrink(int reduction) {
            reducePermits(reduction);
        }
    }
}
