package dev.servicekit.http;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts requests inside the middleware and remembers whether the listener is draining or paused. */
final class InFlightRequests {

    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean draining;
    private volatile boolean paused;

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

    void paused(boolean value) {
        paused = value;
    }

    boolean paused() {
        return paused;
    }
}
