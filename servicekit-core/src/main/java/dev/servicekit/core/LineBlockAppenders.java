package dev.servicekit.core;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The console and file appenders. Every line of the service's own log is flushed as it is written, as before;
 * access-log lines ({@link LoggingConfigurator#ACCESS_LOGGER}) are only buffered, and {@link AccessLogAppender}
 * flushes once per block. A buffer never splits a line (Java's buffered streams pass a write larger than the
 * free space through whole), so every {@code write(2)} carries whole lines; on the console a block is at most
 * {@link #BLOCK_BYTES}, the POSIX {@code PIPE_BUF}, so a pipe reader never sees it mixed with another writer's.
 */
final class LineBlockAppenders {

    /** The console buffer: POSIX PIPE_BUF, the largest write a pipe keeps whole. */
    static final int BLOCK_BYTES = 4096;

    private LineBlockAppenders() {}

    /** An appender whose access-log lines wait in its buffer until {@link #flush()}. */
    interface LineBlockAppender extends Appender<ILoggingEvent> {
        /** Writes out the buffered lines. */
        void flush();
    }

    /** The console target. */
    static final class Console extends OutputStreamAppender<ILoggingEvent> implements LineBlockAppender {
        @Override
        protected void subAppend(ILoggingEvent event) {
            super.subAppend(event);
            flushUnlessAccess(this, event, streamWriteLock);
        }

        @Override
        public void flush() {
            LineBlockAppenders.flush(this, streamWriteLock);
        }
    }

    /** The rolling file target. */
    static final class File extends RollingFileAppender<ILoggingEvent> implements LineBlockAppender {
        @Override
        protected void subAppend(ILoggingEvent event) {
            super.subAppend(event);
            flushUnlessAccess(this, event, streamWriteLock);
        }

        @Override
        public void flush() {
            LineBlockAppenders.flush(this, streamWriteLock);
        }
    }

    private static void flushUnlessAccess(
            OutputStreamAppender<ILoggingEvent> appender, ILoggingEvent event, ReentrantLock lock) {
        if (!LoggingConfigurator.ACCESS_LOGGER.equals(event.getLoggerName())) {
            flush(appender, lock);
        }
    }

    private static void flush(OutputStreamAppender<ILoggingEvent> appender, ReentrantLock lock) {
        lock.lock();
        try {
            OutputStream out = appender.getOutputStream();
            if (appender.isStarted() && out != null) {
                out.flush();
            }
        } catch (IOException e) {
            appender.addError("Flushing " + appender.getName() + " failed", e);
        } finally {
            lock.unlock();
        }
    }
}
