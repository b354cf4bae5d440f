package dev.servicekit.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can drop its connections silently, as a NAT or firewall idle timeout or a partition
 * does: {@link #freeze()} stops forwarding on every connection open at that moment without closing it (no FIN, no
 * RST; what either side sends is swallowed), while connections accepted later are forwarded as usual.
 * {@link #freezeWatches()} does it to the connections that carry an etcd watch only, as a member whose watch stream
 * stalls while it still answers reads. {@link #partition()} freezes every connection, open or accepted later, until
 * {@link #heal()}. {@link #swallowWatchRequests} freezes a connection as its watch request arrives, before etcd sees
 * it: the request is sent and no answer ever begins. One thread per direction per connection.
 */
final class FreezableProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean partitioned;
    private volatile boolean swallowWatches;

    /** One proxied connection: the client's socket and the one to the target. */
    private static final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean frozen;
        /** Whether the client sent an etcd watch request on it (a watch stream never ends, so it is the last). */
        volatile boolean watch;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private FreezableProxy(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("freezable-proxy-accept").start(this::acceptLoop);
    }

    /** Starts a proxy to {@code target} ({@code http://host:port}) on a free loopback port. */
    static FreezableProxy to(URI target) throws IOException {
        return new FreezableProxy(target);
    }

    /** The proxy's own URL, {@code http://127.0.0.1:<port>}. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Stops forwarding on the connections open now, without closing them; later connections work. */
    void freeze() {
        links.forEach(link -> link.frozen = true);
    }

    /** Freezes the connections open now and those accepted until {@link #heal()}: a network partition. */
    void partition() {
        partitioned = true;
        freeze();
    }

    /** Ends a {@linkplain #partition() partition}: connections accepted from now on are forwarded; frozen ones stay so. */
    void heal() {
        partitioned = false;
    }

    /** While {@code on}, a connection is frozen as a watch request arrives on it, and the request is not forwarded. */
    void swallowWatchRequests(boolean on) {
        swallowWatches = on;
    }

    /** How many connections carry a watch request and still forward. */
    int watches() {
        return (int) links.stream().filter(link -> link.watch && !link.frozen).count();
    }

    /** Stops forwarding on the connections that carry a watch now, without closing them; the others work. */
    void freezeWatches() {
        links.stream().filter(link -> link.watch).forEach(link -> link.frozen = true);
    }

    @Override
    public void close() {
        closeQuietly(server);
        links.forEach(Link::close);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                Link link = new Link(client, upstream);
                link.frozen = partitioned;
                links.add(link);
                Thread.ofPlatform().daemon().name("freezable-proxy-up").start(() -> pump(link, client, upstream, true));
                Thread.ofPlatform()
                        .daemon()
                        .name("freezable-proxy-down")
                        .start(() -> pump(link, upstream, client, false));
            } catch (IOException e) {
                closeQuietly(client); // the target is down: the client sees the connection close
            }
        }
    }

    /** Copies {@code from} to {@code to} until either ends; a frozen link swallows the bytes and forwards no end. */
    private void pump(Link link, Socket from, Socket to, boolean fromClient) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (fromClient && new String(buffer, 0, n, StandardCharsets.ISO_8859_1).contains("POST /v3/watch ")) {
                    link.watch = true;
                    link.frozen = link.frozen || swallowWatches;
                }
                if (!link.frozen) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side went away: handled below like an end
        }
        if (!link.frozen) {
            link.close();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a proxy's socket: nothing to report
        }
    }
}
