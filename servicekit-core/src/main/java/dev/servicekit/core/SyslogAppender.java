package dev.servicekit.core;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends log events to a syslog collector ({@link SyslogSettings}) as RFC 5424 messages ({@link SyslogFormat}).
 *
 * <p>A logging thread never waits for the collector: {@link #append} only puts the event in a queue of
 * {@link #QUEUE_SIZE}; one platform thread formats and sends in batches. When the collector cannot be reached
 * (nothing listens, the connection broke, the host does not resolve), that thread keeps the batch, logs one WARN,
 * and retries after 0.5 s, doubling to at most 30 s; the queue fills meanwhile, and once it is full new events are
 * dropped and counted. A TLS collector that refuses the connection (a certificate not trusted, a name that does not
 * match, a client certificate wanted) is treated the same way; its WARN says what failed and which setting fixes it.
 * When a send succeeds again, a WARN says how many were dropped. A UDP collector that is down
 * usually goes unnoticed (datagrams are not acknowledged), so its lines are lost without a count.
 *
 * <p>{@link #stop()} gives the writer up to {@link #STOP_DRAIN} to send what is queued, then drops the rest; it
 * does not wait for a collector that is down.
 */
final class SyslogAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
        implements LineBlockAppenders.LineBlockAppender {

    /** Events queued for the writer before new ones are dropped. */
    static final int QUEUE_SIZE = 8192;

    /** Events formatted and sent together. */
    static final int BATCH = 256;

    /** How long {@link #stop()} lets the writer send what is queued. */
    static final Duration STOP_DRAIN = Duration.ofSeconds(2);

    static final Duration FIRST_RETRY = Duration.ofMillis(500);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    /** The writer's own lines about the collector; they go to every appender, this one included. */
    private static final Logger LOG = LoggerFactory.getLogger(SyslogAppender.class);

    private final SyslogSettings settings;
    private final Optional<String> instance;
    private final SyslogTransport transport;
    private final BlockingQueue<ILoggingEvent> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean running;
    private Thread writer;

    SyslogAppender(SyslogSettings settings, Optional<String> instance) {
        this(settings, instance, SyslogTransport.of(settings));
    }

    SyslogAppender(SyslogSettings settings, Optional<String> instance, SyslogTransport transport) {
        this.settings = settings;
        this.instance = instance;
        this.transport = transport;
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        running = true;
        writer = new Thread(this::writeLoop, "syslog-writer");
        writer.setDaemon(true);
        writer.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        if (!queue.offer(event)) {
            dropped.incrementAndGet();
        }
    }

    /** Nothing to flush: the writer sends as soon as it can. */
    @Override
    public void flush() {}

    /** Events dropped because the queue was full, since the last report. */
    long dropped() {
        return dropped.get();
    }

    /** Messages handed to the transport successfully. */
    long sent() {
        return sent.get();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        running = false;
        try {
            writer.join(STOP_DRAIN.toMillis());
            if (writer.isAlive()) {
                writer.interrupt(); // a blocked TCP write or a retry pause; the channel closes with it
                writer.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            transport.close();
        }
    }

    private void writeLoop() {
        SyslogFormat format =
                new SyslogFormat(settings, hostname(), ProcessHandle.current().pid(), instance);
        List<ILoggingEvent> events = new ArrayList<>(BATCH);
        List<byte[]> messages = new ArrayList<>(BATCH);
        try {
            while (running || !queue.isEmpty()) {
                ILoggingEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                events.add(first);
                queue.drainTo(events, BATCH - 1);
                for (ILoggingEvent event : events) {
                    messages.add(format.format(event));
                }
                deliver(messages);
                events.clear();
                messages.clear();
            }
        } catch (InterruptedException e) {
            // stop() gave up waiting; what is still queued is dropped
        } catch (RuntimeException e) {
            addError("The syslog writer for " + settings.destination() + " failed; no more lines go there", e);
        }
    }

    /** Sends the batch, reconnecting and retrying what is left until it is sent or the appender stops. */
    private void deliver(List<byte[]> messages) throws InterruptedException {
        Duration pause = FIRST_RETRY;
        boolean reported = false;
        String reason = null;
        while (true) {
            int batch = messages.size();
            try {
                transport.connect();
                transport.send(messages);
                sent.addAndGet(batch);
                if (reported) {
                    LOG.info("Syslog collector {} reachable again", settings.destination());
                }
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    LOG.warn(
                            "{} log lines were not sent to syslog {}: its queue of {} was full",
                            lost,
                            settings.destination(),
                            QUEUE_SIZE);
                }
                return;
            } catch (IOException e) {
                sent.addAndGet(batch - messages.size());
                transport.close();
                if (!running) {
                    return; // stopping: do not wait for a collector that is down
                }
                if (!reported
                        || (e instanceof SyslogTransport.TlsRefused
                                && !e.getMessage().equals(reason))) {
                    // once per outage, and again when a TLS refusal says something new (the collector came up)
                    reported = true;
                    reason = e.getMessage();
                    LOG.warn(
                            "Cannot send log lines to syslog {} ({}); retrying, and dropping lines once {} wait.{}",
                            settings.destination(),
                            e.getMessage(),
                            QUEUE_SIZE,
                            e instanceof SyslogTransport.TlsRefused
                                    ? ""
                                    : " Check that the collector runs and listens there (log.syslog.*).");
                }
                TimeUnit.MILLISECONDS.sleep(pause.toMillis());
                pause = pause.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : pause.multipliedBy(2);
            }
        }
    }

    /** The host's name as the OS reports it (no reverse lookup), or {@code -} when it cannot be had. */
    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "-";
        }
    }
}
