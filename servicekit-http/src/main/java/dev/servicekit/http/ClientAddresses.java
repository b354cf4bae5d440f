package dev.servicekit.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who sent a request: the address of the connection's peer or, when that peer is a trusted reverse proxy
 * ({@code http.trusted-proxies}), the client address the proxies report in {@code X-Forwarded-For}. For per-client
 * rules such as a login throttle: behind nginx every connection comes from nginx, and a rule keyed on the peer
 * would treat all clients as one.
 *
 * <p>The rule, the one nginx's {@code real_ip_recursive on} and most frameworks apply: if the peer is not a trusted
 * proxy, the client is the peer and {@code X-Forwarded-For} is ignored (any client can send one). If it is, the
 * {@code X-Forwarded-For} addresses (every header line, comma-separated) are read from the right, skipping trusted
 * proxies; the first other address is the client. Addresses to its left were written by that client, so they are
 * never believed. When every address is a trusted proxy, the leftmost is the client; without the header, the peer.
 * An entry that is not an IP address (a proxy forwarded something it should not have) stops the walk and the proxy
 * that forwarded it counts as the client.
 *
 * <p>Addresses are compared and returned in Java's canonical text ({@link InetAddress#getHostAddress()}), so
 * {@code ::1} and {@code 0:0:0:0:0:0:0:1} are the same client. Immutable and thread-safe.
 *
 * {@snippet :
 * ClientAddresses clients = ClientAddresses.trusting(List.of("10.0.0.5"));   // nginx's address
 * String client = clients.of(request);   // "203.0.113.7" for "X-Forwarded-For: 203.0.113.7" sent through nginx
 * }
 */
public final class ClientAddresses {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(ClientAddresses.class);
    }
    /** Dotted-quad IPv4, each part 0..255 in decimal (no octal, hex or short forms that InetAddress accepts). */
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    /** The characters of an IPv6 literal, with an optional dotted-quad tail; InetAddress checks the rest. */
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private final Set<InetAddress> trustedProxies;
    private final AtomicBoolean warnedAboutIgnoredHeader = new AtomicBoolean();

    private ClientAddresses(Set<InetAddress> trustedProxies) {
        this.trustedProxies = Set.copyOf(trustedProxies);
    }

    /** Trusts no proxy: every request's client is its peer. */
    public static ClientAddresses direct() {
        return new ClientAddresses(Set.of());
    }

    /**
     * Trusts these proxies' {@code X-Forwarded-For}.
     *
     * @param proxies IPv4 or IPv6 addresses such as {@code 10.0.0.5} or {@code ::1}; no host names, no ranges
     * @return the resolver
     * @throws IllegalArgumentException naming every entry that is not an IP address
     */
    public static ClientAddresses trusting(Collection<String> proxies) {
        Objects.requireNonNull(proxies, "proxies");
        List<String> problems = problems(proxies);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        Set<InetAddress> addresses = new LinkedHashSet<>();
        for (String proxy : proxies) {
            addresses.add(parse(proxy).orElseThrow());
        }
        return new ClientAddresses(addresses);
    }

    /**
     * What is wrong with each entry that is not an IP address, one message per entry; empty when all are fine.
     *
     * @param proxies the configured proxy addresses
     * @return the problems
     */
    static List<String> problems(Collection<String> proxies) {
        List<String> problems = new ArrayList<>();
        for (String proxy : proxies) {
            if (parse(proxy).isEmpty()) {
                problems.add("\"" + proxy + "\" is not an IP address; list each proxy by its IPv4 or IPv6 address such"
                        + " as 10.0.0.5 or ::1 (host names and ranges are not accepted)");
            }
        }
        return problems;
    }

    /** Whether any proxy is trusted. */
    public boolean trustsProxies() {
        return !trustedProxies.isEmpty();
    }

    /**
     * The address of the client that sent {@code request}, by the rule in the class description.
     *
     * @param request the request
     * @return the client's IP address in canonical text, or the peer's address as text if it has no IP address
     */
    public String of(ServerRequest request) {
        Objects.requireNonNull(request, "request");
        Headers headers = request.headers();
        List<String> forwardedFor = new ArrayList<>();
        if (headers.contains(HeaderNames.X_FORWARDED_FOR)) {
            // One value per header line, as Helidon parsed them. Helidon's allValues(true) splits a single line's
            // list but leaves several lines unsplit, so each line's comma-separated list is split here.
            for (String line : headers.get(HeaderNames.X_FORWARDED_FOR).allValues()) {
                for (String entry : line.split(",", -1)) {
                    forwardedFor.add(entry.strip());
                }
            }
        }
        return resolve(request.remotePeer().address(), forwardedFor);
    }

    /** The rule itself, on the peer and the {@code X-Forwarded-For} entries in order (left to right). */
    String resolve(SocketAddress peer, List<String> forwardedFor) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return String.valueOf(peer);
        }
        InetAddress client = inet.getAddress();
        if (!trustedProxies.contains(client)) {
            if (!forwardedFor.isEmpty()
                    && trustedProxies.isEmpty()
                    && warnedAboutIgnoredHeader.compareAndSet(false, true)) {
                log().warn(
                                "A request from {} carries X-Forwarded-For, which is ignored because http.trusted-proxies is"
                                        + " empty. If this service is behind a reverse proxy, every client now counts as the"
                                        + " proxy's address (the per-client login throttle then locks them out together); list"
                                        + " the proxy's address in http.trusted-proxies. (Logged once.)",
                                client.getHostAddress());
            }
            return client.getHostAddress();
        }
        for (int i = forwardedFor.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = parse(forwardedFor.get(i));
            if (hop.isEmpty()) {
                return client.getHostAddress(); // the proxy that forwarded an unreadable entry is the client
            }
            client = hop.get();
            if (!trustedProxies.contains(client)) {
                return client.getHostAddress();
            }
        }
        return client.getHostAddress();
    }

    /**
     * An IP address literal, never a name lookup: {@link InetAddress#getByName} resolves anything that is not a
     * literal through DNS, so only text shaped like a literal reaches it (Java 21 has no literal-only parser).
     */
    private static Optional<InetAddress> parse(String text) {
        String candidate = text.strip();
        boolean ipv4 = IPV4.matcher(candidate).matches();
        boolean ipv6 =
                candidate.contains(":") && IPV6_CHARACTERS.matcher(candidate).matches();
        if (!ipv4 && !ipv6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(candidate));
        } catch (UnknownHostException e) {
            return Optional.empty(); // a malformed IPv6 literal; InetAddress does not look up text with a colon
        }
    }

    @Override
    public String toString() {
        return trustedProxies.isEmpty()
                ? "ClientAddresses[direct]"
                : "ClientAddresses[trusting "
                        + trustedProxies.stream()
                                .map(InetAddress::getHostAddress)
                                .toList() + "]";
    }
}
