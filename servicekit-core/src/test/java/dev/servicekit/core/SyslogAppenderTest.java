package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.servicekit.testing.FreePorts;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestIdentities;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The syslog appender against collectors on real loopback sockets: TCP framing, reconnecting (over TLS too), lines
 * waiting while the collector is down, a full queue, UDP datagrams, and a bounded stop.
 */
class SyslogAppenderTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(15);

    private final LoggerContext context = new LoggerContext();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : cleanup.reversed()) {
            closeable.close();
        }
    }

    @Test
    void tcpFramesEachMessageWithItsLengthInOctets() throws IOException {
        TcpCollector collector = collector(0);
        SyslogAppender appender = appender(SyslogSettings.Transport.TCP, collector.port());

        appender.doAppend(event("first", Map.of("requestId", "r-1")));
        appender.doAppend(event("zweite Zeile: grüße\nmit Umbruch", Map.of()));
        appender.doAppend(event("third", Map.of()));

        List<String> messages =
                Poll.until(ARRIVAL, "three framed messages", collector::messages, received -> received.size() == 3);
        assertThat(messages.get(0))
                .startsWith("<30>1 ")
                .endsWith(" users-service " + ProcessHandle.current().pid()
                        + " test.logger [servicekit@32473 requestId=\"r-1\"] first");
        assertThat(messages.get(1)).endsWith(" test.logger - zweite Zeile: grüße\nmit Umbruch");
        assertThat(messages.get(2)).endsWith(" - third");
        assertThat(collector.connections()).isEqualTo(1);
    }

    @Test
    void aConnectionTheCollectorClosedIsReplacedWithoutLosingTheNextLine() throws IOException {
        TcpCollector collector = collector(0);
        SyslogAppender appender = appender(SyslogSettings.Transport.TCP, collector.port());
        appender.doAppend(event("before", Map.of()));
        Poll.until(ARRIVAL, "the first message", () -> collector.messages().size() == 1);

        collector.closeConnections(); // as a collector that restarts or drops idle connections does
        appender.doAppend(event("after", Map.of()));

        Poll.until(
                ARRIVAL,
                "the message sent after the close",
                () -> collector.messages().size() == 2);
        assertThat(collector.messages().get(1)).endsWith(" after");
        assertThat(collector.connections()).isEqualTo(2);
    }

    @Test
    void whileTheCollectorIsDownLinesWaitWithoutBlockingAndArriveWhenItIsBack() throws IOException {
        int port = FreePorts.one(); // nothing listens yet
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(SyslogAppender.class);
        logger.setLevel(Level.INFO); // "reachable again" is INFO
        cleanup.add(() -> logger.setLevel(null));
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            SyslogAppender appender = appender(SyslogSettings.Transport.TCP, port);
            long start = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                appender.doAppend(event("line " + i, Map.of()));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("appending never waits for the collector")
                    .isLessThan(Duration.ofSeconds(1));
            Poll.until(
                    ARRIVAL,
                    "a warning that the collector cannot be reached",
                    () -> warnings.messages().stream()
                            .anyMatch(m -> m.startsWith("Cannot send log lines to syslog tcp 127.0.0.1:" + port)));

            TcpCollector collector = collector(port);
            List<String> messages = Poll.until(
                    ARRIVAL, "the ten waiting lines", collector::messages, received -> received.size() == 10);
            for (int i = 0; i < 10; i++) {
                assertThat(messages.get(i)).endsWith(" - line " + i);
            }
            Poll.until(
                    ARRIVAL,
                    "a line that the collector is reachable again",
                    () -> warnings.messages().contains("Syslog collector tcp 127.0.0.1:" + port + " reachable again"));
        }
    }

    @Test
    void aFullQueueDropsNewLinesAndTheCountIsLoggedOnceTheCollectorIsBack() throws IOException {
        int port = FreePorts.one();
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            SyslogAppender appender = appender(SyslogSettings.Transport.TCP, port);
            int lines = SyslogAppender.QUEUE_SIZE + SyslogAppender.BATCH + 500;
            for (int i = 0; i < lines; i++) {
                appender.doAppend(event("line " + i, Map.of()));
            }
            long dropped = appender.dropped();
            // the writer holds 1 to BATCH lines out of the queue while it retries
            assertThat(dropped).isBetween(500L, 500L + SyslogAppender.BATCH - 1);

            TcpCollector collector = collector(port);
            Poll.until(ARRIVAL, "every kept line", () -> collector.messages().size() == lines - dropped);
            Poll.until(
                    ARRIVAL,
                    "the count of dropped lines",
                    () -> warnings.messages()
                            .contains(dropped + " log lines were not sent to syslog tcp 127.0.0.1:" + port
                                    + ": its queue of " + SyslogAppender.QUEUE_SIZE + " was full"));
            assertThat(appender.dropped()).isZero();
        }
    }

    @Test
    void aTlsConnectionTheCollectorClosedIsReplacedWithoutLosingTheNextLine(@TempDir Path dir) throws Exception {
        TestIdentities.Identity identity =
                TestIdentities.generate(dir, "collector:EC").get(0);
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity.keyStore(), TestIdentities.PASSWORD.toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(keys.getKeyManagers(), null, null);
        TcpCollector collector = new TcpCollector(0, server.getServerSocketFactory());
        cleanup.add(collector);
        SyslogSettings settings = new SyslogSettings(
                SyslogSettings.Transport.TLS,
                Path.of("/dev/log"),
                "127.0.0.1",
                collector.port(),
                3,
                8192,
                false,
                "users-service",
                SyslogSettings.tlsFiles(Optional.of(identity.certificatePem()), Optional.empty(), Optional.empty()));
        SyslogAppender appender = started(new SyslogAppender(settings, Optional.empty()));
        appender.doAppend(event("before", Map.of()));
        Poll.until(
                ARRIVAL,
                "the first message over TLS",
                () -> collector.messages().size() == 1);

        collector.closeConnections(); // a TLS close_notify, as a collector that restarts sends
        appender.doAppend(event("after", Map.of()));

        Poll.until(
                ARRIVAL,
                "the message sent after the close",
                () -> collector.messages().size() == 2);
        assertThat(collector.messages().get(0)).endsWith(" before");
        assertThat(collector.messages().get(1)).endsWith(" after");
        assertThat(collector.connections()).isEqualTo(2);
    }

    @Test
    void udpSendsOneDatagramPerMessage() throws IOException {
        DatagramChannel receiver =
                DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        cleanup.add(receiver);
        SyslogAppender appender =
                appender(SyslogSettings.Transport.UDP, ((InetSocketAddress) receiver.getLocalAddress()).getPort());

        appender.doAppend(event("one", Map.of("requestId", "r-9")));
        appender.doAppend(event("two\nlines", Map.of()));

        // Not a blocking receive: a lost datagram would hang the test (SO_TIMEOUT does not bound a channel's
        // receive); without blocking, the wait is bounded and fails with what did arrive.
        receiver.configureBlocking(false);
        ByteBuffer datagram = ByteBuffer.allocate(65536);
        List<String> received = new ArrayList<>();
        Poll.until(
                ARRIVAL,
                "two datagrams",
                () -> {
                    try {
                        while (received.size() < 2 && receiver.receive(datagram.clear()) != null) {
                            received.add(StandardCharsets.UTF_8
                                    .decode(datagram.flip())
                                    .toString());
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return List.copyOf(received);
                },
                datagrams -> datagrams.size() == 2);
        assertThat(received.get(0)).startsWith("<30>1 ").endsWith(" [servicekit@32473 requestId=\"r-9\"] one");
        assertThat(received.get(1)).endsWith(" - two\nlines");
    }

    @Test
    void stopDoesNotWaitForACollectorThatIsDown() {
        SyslogAppender appender = appender(SyslogSettings.Transport.TCP, FreePorts.one());
        appender.doAppend(event("never sent", Map.of()));

        long start = System.nanoTime();
        appender.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SyslogAppender.STOP_DRAIN.plusSeconds(2));
        assertThat(appender.isStarted()).isFalse();
    }

    private SyslogAppender appender(SyslogSettings.Transport transport, int port) {
        SyslogSettings settings =
                new SyslogSettings(transport, Path.of("/dev/log"), "127.0.0.1", port, 3, 8192, false, "users-service");
        return started(new SyslogAppender(settings, Optional.empty()));
    }

    private SyslogAppender started(SyslogAppender appender) {
        appender.setContext(context);
        appender.setName("syslog");
        appender.start();
        cleanup.add(appender::stop);
        return appender;
    }

    private TcpCollector collector(int port) throws IOException {
        TcpCollector collector = new TcpCollector(port);
        cleanup.add(collector);
        return collector;
    }

    private LoggingEvent event(String message, Map<String, String> mdc) {
        return event(context, message, mdc);
    }

    /** An INFO event of logger {@code test.logger} on thread main, now, with the MDC given. */
    static LoggingEvent event(LoggerContext context, String message, Map<String, String> mdc) {
        LoggingEvent event =
                new LoggingEvent("fqcn", context.getLogger("test.logger"), Level.INFO, message, null, null);
        event.setThreadName("main");
        event.setTimeStamp(System.currentTimeMillis());
        event.setMDCPropertyMap(mdc);
        return event;
    }

    /** A TCP syslog collector that reads RFC 6587 octet-counted frames, one connection at a time. */
    private static final class TcpCollector implements AutoCloseable {
        private final ServerSocket server;
        private final List<String> messages = new CopyOnWriteArrayList<>();
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread acceptor;

        TcpCollector(int port) throws IOException {
            this(port, ServerSocketFactory.getDefault());
        }

        /** A collector on sockets of {@code sockets}: an {@link SSLServerSocketFactory}'s for TLS (RFC 5425). */
        TcpCollector(int port, ServerSocketFactory sockets) throws IOException {
            server = sockets.createServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            acceptor = Thread.ofPlatform().daemon().start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        List<String> messages() {
            return List.copyOf(messages);
        }

        int connections() {
            return connections.get();
        }

        void closeConnections() throws IOException {
            for (Socket socket : open) {
                socket.close();
            }
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    open.add(socket);
                    Thread.ofPlatform().daemon().start(() -> read(socket));
                }
            } catch (IOException closed) {
                // the collector was closed
            }
        }

        private void read(Socket socket) {
            try (InputStream in = socket.getInputStream()) {
                DataInputStream data = new DataInputStream(in);
                while (true) {
                    int length = 0;
                    int c;
                    while ((c = data.read()) != ' ') {
                        if (c < '0' || c > '9') {
                            throw new EOFException("no frame length: " + c);
                        }
                        length = length * 10 + (c - '0');
                    }
                    byte[] message = new byte[length];
                    data.readFully(message);
                    messages.add(new String(message, StandardCharsets.UTF_8));
                }
            } catch (EOFException | SocketException ended) {
                // the appender or the test closed the connection
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            closeConnections();
            try {
                acceptor.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
