package dev.servicekit.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http.DirectTransportRequest;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * One HTTP/1 connection of a Servicekit listener: HTTP/1.1 requests are served by Helidon's own HTTP/1 connection
 * (with two changes: its check of {@code Host} is made by {@link HostHeaderCheck}, once per connection for each value;
 * and it closes the connection after a response that says {@code Connection: close}, see below); HTTP/1.0 requests,
 * which Helidon's parser refuses (505), by the same Helidon connection, one request at a time.
 *
 * <p>Helidon's parser refuses the version token {@code HTTP/1.0} and nothing else about such a request: an
 * HTTP/1.0 request is an HTTP/1.1 request with fewer features. So, per request:
 *
 * <ol>
 *   <li>Look at the request line (up to its CRLF, as Helidon's selector does to pick a protocol) without reading
 *       it. Unless it ends with {@code " HTTP/1.0"} (HTTP/1.1, or garbage that Helidon answers with 400), hand the
 *       connection as it is to Helidon's HTTP/1.1 connection for the rest of its life, and stop here.
 *   <li>Present the same bytes to a fresh Helidon HTTP/1 connection, with the line's last byte turned from
 *       {@code 0} into {@code 1}. Helidon parses the headers, frames the body, routes, runs every filter and
 *       writes the response exactly as for HTTP/1.1.
 *   <li>Its receive listener, which runs after Helidon has read the headers and before it routes, applies what
 *       HTTP/1.0 differs in (RFC 9112 §9.3, §6.1): without {@code Connection: keep-alive} the request carries
 *       {@code Connection: close}, so Helidon answers with {@code Connection: close}; with it, Helidon answers
 *       {@code Connection: keep-alive}; a {@code Transfer-Encoding} is refused with 400 and the connection
 *       closes. A missing {@code Host} is allowed; one that is present is checked as HTTP/1.1's is.
 *   <li>Routing knows it serves an HTTP/1.0 request ({@link #routingHttp10Request()}), so the Servicekit
 *       middleware sends every body whole with {@code Content-Length}, never chunked
 *       ({@link WholeBodyOutputStream}).
 *   <li>The Helidon connection ends after this one request ({@code close(false)} from the listener: finish
 *       the current request, then return). If the request asked for keep-alive and the response did not close,
 *       go to 1 for the next request on the same socket; otherwise return, and Helidon closes the socket.
 * </ol>
 *
 * <p>Helidon's HTTP/1.1 connection decides whether to keep a connection from the request alone: after a response
 * that says {@code Connection: close} (the drain's 503, a 413 that leaves the body unread, or the answer to a request
 * that said {@code close}) it would wait for the next request on the same socket, and after a 413 read the unread body
 * as one. RFC 9112 §9.6 has the server close the connection after such a response. So the HTTP/1.1 connection's
 * listeners ({@link #http11Config}) look at the request's and the response's {@code Connection} header and, when
 * either says {@code close}, call {@code close(false)} on the Helidon connection: it finishes writing the response,
 * leaves its loop instead of reading another request line, and Helidon closes the socket. The same check as
 * {@code ResponseListener} makes for HTTP/1.0, one header lookup per request and per response, nothing allocated.
 *
 * <p>Before that close, when the client may still be sending, the connection lingers (RFC 9112 §9.6, nginx's
 * {@code lingering_close}): Helidon closes the socket at once, and a socket closed with input it has not read
 * answers that input with a reset, so a client still writing its request body fails with "broken pipe" or
 * "connection reset" and never reads the response (the JDK's {@code HttpURLConnection} reports "Error writing request
 * body to server" instead of the 413). The client may still be sending when the response that closes answers a
 * request with a body ({@code Content-Length} other than 0, or {@code Transfer-Encoding}), one whose headers were never
 * read (a 400 or 431 from Helidon's parser), or when bytes of a next request are already buffered. The connection
 * then reads and discards what arrives until the client closes, until nothing has arrived for
 * {@link #LINGER_QUIET}, until {@link #LINGER_TIME} has passed or {@link #LINGER_MAX_BYTES} are discarded,
 * whichever comes first; then Helidon closes the socket. A stop ends a linger at once. Keep-alive connections never
 * linger, and a request without a body that says {@code Connection: close} does not either; nor does an HTTP/1.0
 * request once exactly its announced body has arrived (its reader's bytes are counted, {@link PushbackBytes}). The write side is not
 * half-closed first, as RFC 9112 would have it: Helidon's {@code HelidonSocket} offers no half-close, and every
 * response Servicekit writes says its own length, so the client knows it has the whole of it without the end of the
 * stream (docs/decisions.md, "Lingering close").
 *
 * <p>The responses' status line says {@code HTTP/1.1}, which RFC 9110 §6.2 prescribes (a server sends its own
 * highest version whose major number the client supports); nginx, HAProxy and ApacheBench accept it.
 *
 * <p>All methods but {@link #close(boolean)}, {@link #idleTime()} and {@link #canInterrupt()} run on the
 * connection's single virtual thread, like Helidon's own connection. While it waits for a request line the
 * connection can be interrupted, so a stop does not wait for a client that connected and sent nothing.
 */
final class Http1xConnection implements ServerConnection, InterruptableTask<Void> {

    private static final byte[] HTTP_1_0 = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final ThreadLocal<Boolean> ROUTING_HTTP10 = new ThreadLocal<>();

    /** The longest a lingering close reads in all (nginx's {@code lingering_time}, 30 s, scaled down). */
    static final Duration LINGER_TIME = Duration.ofSeconds(2);

    /** A lingering close ends when nothing has arrived for this long (nginx's {@code lingering_timeout}, 5 s). */
    static final Duration LINGER_QUIET = Duration.ofMillis(500);

    /** The most a lingering close reads and discards. */
    static final long LINGER_MAX_BYTES = 8L * 1024 * 1024;

    private final ConnectionContext ctx;
    private final Http1ConnectionSelector http10;
    private final Http1ConnectionSelector http11;
    private final int maxPrologueLength;
    private final PushbackBytes bytes;

    private volatile boolean open = true;
    private volatile boolean readingRequestLine;
    private volatile Thread thread;
    private volatile ServerConnection current;
    private volatile long idleSince = System.nanoTime();

    /** Orders the start and end of a linger with the interrupts that end it early (its timer, a stop). */
    private final Object lingerLock = new Object();
    /** Whether the thread reads to discard before the close; changed under {@link #lingerLock}. */
    private volatile boolean lingering;
    /** When the lingering close last received bytes ({@link System#nanoTime()}). */
    private volatile long lingerLastRead;

    Http1xConnection(
            ConnectionContext ctx,
            Http1ConnectionSelector http10,
            Http1ConnectionSelector http11,
            int maxPrologueLength) {
        this.ctx = ctx;
        this.http10 = http10;
        this.http11 = http11;
        this.maxPrologueLength = maxPrologueLength;
        this.bytes = new PushbackBytes(ctx.dataReader());
    }

    /**
     * Whether the current thread is routing an HTTP/1.0 request. Helidon routes on the connection's thread, so
     * this is true exactly while a filter or handler serves one.
     */
    static boolean routingHttp10Request() {
        return ROUTING_HTTP10.get() != null;
    }

    /**
     * The configuration of the Helidon connections that serve one HTTP/1.0 request each: {@code http11}'s,
     * with the listener that applies HTTP/1.0's rules, the {@code Connection: keep-alive} response header that
     * HTTP/1.0 keep-alive needs, and {@code Host} validated only when present (HTTP/1.0 does not require it).
     */
    @SuppressWarnings("removal") // validateRequestHostHeader: Helidon's switch for the Host check, kept in 4.x
    static Http1Config http10Config(Http1Config http11) {
        return Http1Config.builder(http11)
                .validateRequestHostHeader(false)
                .sendKeepAliveHeader(true)
                // Each the only one: Helidon 4.5.0 combines several listeners into one that forwards nothing
                // (Http1ConnectionListenerUtil.ListFrameListener). Dropped: the TRACE-level "recv"/"send" loggers.
                .clearReceiveListeners()
                .addReceiveListener(new RequestListener(HostHeaderCheck.appliesTo(http11)))
                .clearSendListeners()
                .addSendListener(ResponseListener.INSTANCE)
                .build();
    }

    /**
     * The configuration of the Helidon connections that serve HTTP/1.1: {@code base}, with Helidon's {@code Host}
     * check made by {@link HostHeaderCheck} (once per connection for each value) instead of Helidon's (on every
     * request), when {@code base} asks for it, and with the connection closed after a request or a response that
     * says {@code Connection: close}.
     */
    @SuppressWarnings("removal") // validateRequestHostHeader: Helidon's switch for the Host check, kept in 4.x
    static Http1Config http11Config(Http1Config base) {
        boolean checkHost = HostHeaderCheck.appliesTo(base);
        Http1Config.Builder config = Http1Config.builder(base);
        if (checkHost) {
            config.validateRequestHostHeader(false); // Helidon still checks that the port is a number
        }
        return config
                // Each the only one, as above; each passes every event on to base's own (the TRACE-level "recv" and
                // "send" loggers).
                .clearReceiveListeners()
                .addReceiveListener(new Http11Listener(base.compositeReceiveListener(), checkHost))
                .clearSendListeners()
                .addSendListener(new Http11ResponseListener(base.compositeSendListener()))
                .build();
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
        thread = Thread.currentThread();
        DataReader reader = ctx.dataReader();
        while (open) {
            int eol;
            readingRequestLine = true;
            try {
                eol = reader.findNewLine(maxPrologueLength);
            } catch (DataReader.InsufficientDataAvailableException e) {
                throw new CloseConnectionException("No more data available", e);
            } catch (DataReader.IncorrectNewLineException e) {
                eol = -1;
            } finally {
                readingRequestLine = false;
            }
            if (eol < 0 || eol >= maxPrologueLength || !isHttp10(reader.getBuffer(eol))) {
                // HTTP/1.1, or a line Helidon answers with 400 or 414: the rest is Helidon's, byte for byte.
                serveRest(reader, limit);
                return;
            }
            byte[] line = reader.readBytes(eol);
            reader.skip(CRLF.length);
            line[line.length - 1] = '1'; // HTTP/1.0 -> HTTP/1.1, for Helidon's parser
            bytes.pushBack(line, CRLF, reader.available() > 0 ? reader.readBytes(reader.available()) : null);
            bytes.countFromHere();
            DataReader next = DataReader.create(bytes);
            if (!serveOneHttp10Request(next, limit)) {
                return;
            }
            reader = next;
        }
    }

    /** Serves one HTTP/1.0 request; whether the connection stays open for another. */
    private boolean serveOneHttp10Request(DataReader reader, Limit limit) throws InterruptedException {
        RequestContext request = new RequestContext(ctx, reader);
        request.received = bytes::counted;
        ServerConnection connection = http10.connection(request);
        request.connection = connection;
        current = connection;
        ROUTING_HTTP10.set(Boolean.TRUE);
        try {
            connection.handle(limit);
        } finally {
            ROUTING_HTTP10.remove();
            current = null;
            idleSince = System.nanoTime();
        }
        if (open && request.keepAlive) {
            return true;
        }
        lingerIfClientMaySend(request, reader);
        return false;
    }

    /** Hands the rest of the connection to Helidon's HTTP/1 connection, reading from {@code reader}. */
    private void serveRest(DataReader reader, Limit limit) throws InterruptedException {
        RequestContext context = new RequestContext(ctx, reader);
        ServerConnection connection = http11.connection(context);
        context.connection = connection;
        current = connection;
        if (!open) {
            connection.close(false);
        }
        // Returns normally once a response that says Connection: close is written (or at a stop); the client's end
        // of the stream and a broken socket end it with an exception, and then there is nothing to linger for.
        connection.handle(limit);
        lingerIfClientMaySend(context, reader);
    }

    /**
     * The lingering close (see the class comment): when the response that ends the connection may leave the client
     * still sending, reads and discards its bytes within the bounds before Helidon closes the socket.
     */
    private void lingerIfClientMaySend(RequestContext request, DataReader reader) {
        if (!request.clientMaySend && reader.available() == 0) {
            return;
        }
        if (request.bodyArrivedWhole()) {
            return; // nothing of it is left for the close to reset, and the client sends nothing after it
        }
        synchronized (lingerLock) {
            if (!open) {
                return; // a stop: close at once
            }
            lingering = true;
        }
        long start = System.nanoTime();
        lingerLastRead = start;
        Thread timer = Thread.ofVirtual().start(() -> endLingerInTime(start));
        long discarded = 0;
        try {
            while (discarded < LINGER_MAX_BYTES) {
                reader.ensureAvailable();
                int available = reader.available();
                reader.skip(available);
                discarded += available;
                lingerLastRead = System.nanoTime();
                if (request.bodyArrivedWhole()) {
                    break; // the rest of the body came: a client that reads until the close need not wait for quiet
                }
            }
        } catch (RuntimeException e) {
            // The client closed or reset the connection, or the timer or a stop interrupted the read: close now.
        } finally {
            synchronized (lingerLock) {
                lingering = false;
            }
            timer.interrupt();
            Thread.interrupted(); // an interrupt that ended the read was for the linger only
        }
    }

    /**
     * The lingering close's timer, on its own virtual thread: interrupts the read (which closes the socket) once
     * nothing has arrived for {@link #LINGER_QUIET} or {@link #LINGER_TIME} has passed since {@code start}; ends
     * early when interrupted, as the linger ended first.
     */
    private void endLingerInTime(long start) {
        long end = start + LINGER_TIME.toNanos();
        try {
            for (long wait = LINGER_QUIET.toNanos(); wait > 0; ) {
                Thread.sleep(Duration.ofNanos(wait));
                wait = Math.min(end, lingerLastRead + LINGER_QUIET.toNanos()) - System.nanoTime();
            }
        } catch (InterruptedException e) {
            return;
        }
        interruptLinger();
    }

    /** Ends a lingering close now, if one is under way; whether one was. */
    private boolean interruptLinger() {
        synchronized (lingerLock) {
            if (lingering) {
                thread.interrupt();
            }
            return lingering;
        }
    }

    @Override
    public boolean canInterrupt() {
        if (lingering) {
            return true;
        }
        ServerConnection connection = current;
        if (connection != null) {
            return connection instanceof InterruptableTask<?> task && task.canInterrupt();
        }
        return readingRequestLine;
    }

    @Override
    public Duration idleTime() {
        ServerConnection connection = current;
        return connection != null ? connection.idleTime() : Duration.ofNanos(System.nanoTime() - idleSince);
    }

    @Override
    public void close(boolean interrupt) {
        open = false;
        if (interruptLinger()) {
            return; // the response is written; a stop does not wait for the client to finish sending
        }
        ServerConnection connection = current;
        if (connection != null) {
            connection.close(interrupt);
            return;
        }
        // Between requests: like Helidon's connection, interrupt a thread that waits for the next request line.
        Thread t = thread;
        if (t != null && (interrupt || readingRequestLine)) {
            t.interrupt();
        }
    }

    /** Whether a request line (without its CRLF) ends with {@code " HTTP/1.0"}; reads nothing. */
    private static boolean isHttp10(BufferData line) {
        int length = line.available();
        if (length < HTTP_1_0.length) {
            return false;
        }
        for (int i = 0; i < HTTP_1_0.length; i++) {
            if (line.get(length - HTTP_1_0.length + i) != HTTP_1_0[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The connection's bytes for the readers of its requests, one after another: first what was handed back (the
     * request line as Helidon should see it, then what the previous reader had read ahead), then the socket.
     */
    private static final class PushbackBytes implements Supplier<byte[]> {
        private final DataReader socket;
        private final Deque<byte[]> pending = new ArrayDeque<>();
        /** Bytes given out since {@link #countFromHere()}: all the socket has received since, as this drains it. */
        private long counted;

        PushbackBytes(DataReader socket) {
            this.socket = socket;
        }

        /** Puts {@code chunks} (null ones skipped) in front of everything not yet read, in this order. */
        void pushBack(byte[]... chunks) {
            for (int i = chunks.length - 1; i >= 0; i--) {
                if (chunks[i] != null && chunks[i].length > 0) {
                    pending.addFirst(chunks[i]);
                }
            }
        }

        /** Starts counting the bytes given out from the next one on: those of one request's reader. */
        void countFromHere() {
            counted = 0;
        }

        long counted() {
            return counted;
        }

        /** The next bytes, or null at the end of the stream (which DataReader turns into its end-of-data). */
        @Override
        public byte[] get() {
            byte[] next = pending.poll();
            if (next == null) {
                try {
                    socket.ensureAvailable();
                } catch (DataReader.InsufficientDataAvailableException e) {
                    return null;
                }
                next = socket.readBytes(socket.available());
            }
            counted += next.length;
            return next;
        }
    }

    /** The connection as one Helidon connection sees it: the same socket, with its own reader. */
    private static final class RequestContext implements ConnectionContext {
        private final ConnectionContext socket;
        private final DataReader reader;
        private ServerConnection connection;
        private HttpPrologue prologue;
        private boolean keepAlive;
        /** The {@code Host} value the last request on this connection passed {@link HostHeaderCheck} with. */
        private String validHost;
        /** The headers of the request being served; null once its response is under way, or if never read. */
        private Headers requestHeaders;
        /** Whether the client may still be sending its request when the response that closes is written. */
        private boolean clientMaySend;
        /**
         * How many bytes of the connection this request's reader has received (HTTP/1.0 only, where the reader is
         * fed through {@link PushbackBytes}); null where that is not counted.
         */
        private java.util.function.LongSupplier received;
        /** Where the request's body starts in {@link #received}'s count; -1 until its headers are read. */
        private long bodyStart = -1;
        /** The body's {@code Content-Length}; -1 when the request has none that can be read. */
        private long announcedLength = -1;

        RequestContext(ConnectionContext socket, DataReader reader) {
            this.socket = socket;
            this.reader = reader;
        }

        /**
         * Ends the Helidon connection once the response now being written is complete: Helidon's {@code close(false)}
         * ends its loop after the current request, and Helidon then closes the socket.
         */
        void closeAfterResponse() {
            // close(false) also interrupts the thread if Helidon is reading a request line: only so while it answers
            // a malformed one (400, 414), after which it ends the connection anyway, and an interrupt would cut that
            // answer off.
            if (connection instanceof InterruptableTask<?> task && !task.canInterrupt()) {
                connection.close(false);
            }
        }

        /**
         * Notes a response as Helidon is about to write it: one that closes the connection while the request's body
         * may be unread (or the request was never read whole) may leave the client sending.
         */
        void respond(boolean closesConnection) {
            if (closesConnection) {
                clientMaySend = requestHeaders == null || announcesBody(requestHeaders);
            }
            requestHeaders = null;
        }

        /**
         * Notes where the body starts, as the request's headers have just been read: every byte the reader has but
         * not yet given out is the body's, or after it (HTTP/1.0 only).
         */
        void headersRead(Headers headers) {
            if (received == null) {
                return;
            }
            bodyStart = received.getAsLong() - reader.available();
            announcedLength = headers.first(HeaderNames.CONTENT_LENGTH)
                    .map(RequestContext::length)
                    .orElse(0L);
        }

        /**
         * Whether exactly the announced body has arrived from the socket, neither less nor more: nothing of the
         * request is on its way, so a close resets nothing and needs no linger. Known for HTTP/1.0 only (its reader
         * is fed through {@link PushbackBytes}); false elsewhere, and while the count says more may come.
         */
        boolean bodyArrivedWhole() {
            return received != null
                    && bodyStart >= 0
                    && announcedLength >= 0
                    && received.getAsLong() - bodyStart == announcedLength;
        }

        private static long length(String value) {
            try {
                long length = Long.parseLong(value.trim());
                return length >= 0 ? length : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private static boolean announcesBody(Headers headers) {
            return headers.contains(HeaderNames.TRANSFER_ENCODING)
                    || headers.first(HeaderNames.CONTENT_LENGTH)
                            .filter(length -> !length.equals("0"))
                            .isPresent();
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public PeerInfo remotePeer() {
            return socket.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return socket.localPeer();
        }

        @Override
        public boolean isSecure() {
            return socket.isSecure();
        }

        @Override
        public String socketId() {
            return socket.socketId();
        }

        @Override
        public String childSocketId() {
            return socket.childSocketId();
        }

        @Override
        public ListenerContext listenerContext() {
            return socket.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return socket.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return socket.dataWriter();
        }

        @Override
        public Router router() {
            return socket.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return socket.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return socket.serverSocket();
        }
    }

    /**
     * HTTP/1.0's rules for a request, applied by the Helidon connection of one HTTP/1.0 request after it read the
     * request line and the headers, before it routes.
     */
    private static final class RequestListener implements Http1ConnectionListener {
        private final boolean checkHost;

        RequestListener(boolean checkHost) {
            this.checkHost = checkHost;
        }

        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            if (ctx instanceof RequestContext request) {
                request.prologue = prologue;
                // Finish this request, then return: the next request line is ours to read first.
                request.connection.close(false);
            }
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            if (!(ctx instanceof RequestContext request)) {
                return;
            }
            request.requestHeaders = headers;
            request.headersRead(headers);
            if (checkHost) {
                // Optional in HTTP/1.0 (RFC 1945); checked as HTTP/1.1's when present.
                HostHeaderCheck.check(request.prologue, headers, false, null);
            }
            if (headers.contains(HeaderNames.TRANSFER_ENCODING)) {
                // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; answer and close.
                throw RequestException.builder()
                        .type(DirectHandler.EventType.BAD_REQUEST)
                        .status(Status.BAD_REQUEST_400)
                        .request(DirectTransportRequest.create(
                                "HTTP/1.0",
                                request.prologue.method().text(),
                                request.prologue.uriPath().rawPath()))
                        .setKeepAlive(false)
                        .message("HTTP/1.0 requests cannot use Transfer-Encoding; send the body with Content-Length")
                        .safeMessage(true)
                        .build();
            }
            request.keepAlive = headers.containsToken(HeaderValues.CONNECTION_KEEP_ALIVE);
            if (!request.keepAlive) {
                // HTTP/1.0 closes by default. Helidon's receive listeners get the request's own writable headers
                // (4.5.0 Http1Connection), and Helidon reads Connection from them after this to decide on keep-alive.
                ((WritableHeaders<?>) headers).set(HeaderValues.CONNECTION_CLOSE);
            }
        }
    }

    /**
     * A listener that passes every event on to Helidon's own ({@code base}'s, the TRACE-level "recv" or "send"
     * logger): Helidon 4.5.0 merges several listeners into one that forwards nothing, so each of ours is the only
     * one and forwards itself. Subclasses add to an event after forwarding it.
     */
    private abstract static class ForwardingListener implements Http1ConnectionListener {
        private final Http1ConnectionListener helidons;

        ForwardingListener(Http1ConnectionListener helidons) {
            this.helidons = helidons;
        }

        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            helidons.prologue(ctx, prologue);
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            helidons.headers(ctx, headers);
        }

        @Override
        public void status(ConnectionContext ctx, Status status) {
            helidons.status(ctx, status);
        }

        @Override
        public void data(ConnectionContext ctx, BufferData data) {
            helidons.data(ctx, data);
        }

        @Override
        public void data(ConnectionContext ctx, byte[] data, int position, int length) {
            helidons.data(ctx, data, position, length);
        }
    }

    /**
     * What {@link #http11Config} adds when Helidon has read an HTTP/1.1 request's headers, before it routes: the
     * {@code Host} check, where Helidon would have made its own, and a request that says {@code Connection: close}
     * ends the connection after its response (Helidon answers it with {@code Connection: close}, then would wait for
     * another request).
     */
    private static final class Http11Listener extends ForwardingListener {
        private final boolean checkHost;

        Http11Listener(Http1ConnectionListener helidons, boolean checkHost) {
            super(helidons);
            this.checkHost = checkHost;
        }

        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            super.prologue(ctx, prologue);
            ((RequestContext) ctx).prologue = prologue;
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            super.headers(ctx, headers);
            RequestContext request = (RequestContext) ctx; // serveRest gives every HTTP/1.1 connection its own
            request.requestHeaders = headers;
            if (checkHost) {
                request.validHost = HostHeaderCheck.check(request.prologue, headers, true, request.validHost);
            }
            if (headers.containsToken(HeaderValues.CONNECTION_CLOSE)) {
                request.closeAfterResponse();
            }
        }
    }

    /**
     * Watches an HTTP/1.1 response's headers, as Helidon is about to write them (after the response's
     * {@code beforeSend} hooks): one that says {@code Connection: close} (a drain, a 413, an error answer) ends the
     * connection after it, with a lingering close if the client may still be sending.
     */
    private static final class Http11ResponseListener extends ForwardingListener {

        Http11ResponseListener(Http1ConnectionListener helidons) {
            super(helidons);
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            super.headers(ctx, headers);
            RequestContext request = (RequestContext) ctx;
            boolean closes = headers.containsToken(HeaderValues.CONNECTION_CLOSE);
            request.respond(closes);
            if (closes) {
                request.closeAfterResponse();
            }
        }
    }

    /**
     * Watches the response's headers: one that closes the connection (an error, a drain) ends keep-alive too, with a
     * lingering close if the client may still be sending.
     */
    private static final class ResponseListener implements Http1ConnectionListener {
        static final ResponseListener INSTANCE = new ResponseListener();

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            if (!(ctx instanceof RequestContext request)) {
                return;
            }
            boolean closes = headers.containsToken(HeaderValues.CONNECTION_CLOSE);
            request.respond(closes);
            if (closes) {
                request.keepAlive = false;
            }
        }
    }
}
