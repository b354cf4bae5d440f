package dev.servicekit.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests inside the middleware and remembers that the listener is draining. */
final class InFlightRequests {

    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean draining;

    void enter() {
        count.incrementAndGet();
    }

    void exit() {
        count.decrementAndGet();
    }

    int count() {
        return count.get();
    }

    void startDraining() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }
}
