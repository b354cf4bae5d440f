package dev.servicekit.windows;

/** Writes one entry to the Windows Event Log: the seam under {@link EventLogAppender}. */
interface EventLogWriter extends AutoCloseable {

    /**
     * {@code ReportEventW} with one insertion string.
     *
     * @return whether the Event Log took it
     */
    boolean report(int eventType, int eventId, String text);

    /** {@code DeregisterEventSource}. */
    @Override
    void close();
}
