package dev.servicekit.core;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log's writer: a request only queues its line; one platform thread writes the queued lines to every
 * target in blocks and flushes each target once per block, not once per line.
 *
 * <p>Why not Logback's {@code AsyncAppender}: its writer takes one line at a time and is woken by every line, so
 * under load each request costs a thread switch and a {@code write(2)}; on one CPU that halved the throughput
 * (bench/RESULTS.md). Here the writer, once it has emptied the queue, waits {@link #LINGER_NANOS} for more lines
 * before it flushes again, and goes to sleep only when a whole linger brought nothing; a request wakes it only
 * from that sleep. Under load that is a few hundred wake-ups per second whatever the request rate, and the
 * targets ({@link LineBlockAppenders}) send whole lines in blocks of at most {@link LineBlockAppenders#BLOCK_BYTES}.
 *
 * <p>Nothing is dropped: a full queue makes the request wait (back-pressure), and {@link #stop()} writes
 * everything queued before it returns.
 */
final class AccessLogAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    /** How long the writer waits for more lines after emptying the queue, before it flushes and sleeps. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Lines taken from the queue at once. */
    private static final int BATCH = 256;
    /** How long {@link #stop()} waits for the writer to empty the queue. */
    private static final long STOP_WAIT_MILLIS = 5_000;

    private final List<LineBlockAppenders.LineBlockAppender> targets;
    private final ArrayBlockingQueue<ILoggingEvent> queue;
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private volatile boolean stopping;
    private Thread writer;

    AccessLogAppender(List<LineBlockAppenders.LineBlockAppender> targets, int queueSize) {
        this.targets = List.copyOf(targets);
        this.queue = new ArrayBlockingQueue<>(queueSize);
    }

    @Override
    public void start() {
        stopping = false;
        writer = Thread.ofPlatform().daemon().name("access-log-writer").unstarted(this::writeUntilStopped);
        writer.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        // The MDC and the message are read now, on the request's thread, before the request clears them.
        event.prepareForDeferredProcessing();
        if (!queue.offer(event)) {
            wake();
            putUninterruptibly(event);
        }
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
    }

    private void putUninterruptibly(ILoggingEvent event) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(event);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the line is still written; the interrupt is kept for the caller
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        sleeping.set(false);
        LockSupport.unpark(writer);
    }

    private void writeUntilStopped() {
        List<ILoggingEvent> batch = new ArrayList<>(BATCH);
        boolean lingered = false;
        boolean unflushed = false;
        while (true) {
            if (queue.drainTo(batch, BATCH) > 0) {
                write(batch);
                unflushed = true;
                lingered = false;
                continue;
            }
            if (unflushed) {
                flush();
                unflushed = false;
            }
            if (stopping) {
                return;
            }
            if (!lingered) {
                LockSupport.parkNanos(this, LINGER_NANOS);
                lingered = true;
                continue;
            }
            sleeping.set(true);
            if (queue.isEmpty() && !stopping) {
                LockSupport.park(this);
            }
            sleeping.set(false);
            lingered = false;
        }
    }

    private void write(List<ILoggingEvent> batch) {
        for (ILoggingEvent event : batch) {
            for (LineBlockAppenders.LineBlockAppender target : targets) {
                target.doAppend(event);
            }
        }
        batch.clear();
    }

    private void flush() {
        for (LineBlockAppenders.LineBlockAppender target : targets) {
            target.flush();
        }
    }

    /** Stops taking lines and returns once every queued line is written and flushed (or after 5 s). */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        stopping = true;
        wake();
        try {
            writer.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            addWarn("The access log writer did not finish within " + STOP_WAIT_MILLIS + " ms; " + queue.size()
                    + " queued lines are not written");
            return;
        }
        // A request that passed the started check just before stop() may have queued one more line.
        List<ILoggingEvent> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) {
            write(rest);
            flush();
        }
    }
}
