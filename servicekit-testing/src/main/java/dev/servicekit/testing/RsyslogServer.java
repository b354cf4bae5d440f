package dev.servicekit.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real rsyslog ({@code /usr/sbin/rsyslogd}, Debian package {@code rsyslog}) for tests, in the foreground
 * ({@code -n}) with its own configuration, pid file, work directory and output file in a directory the test gives.
 * It listens on a UNIX datagram socket in that directory ({@link #socket()}, {@code imuxsock}, a stand-in for
 * {@code /dev/log}), on a free loopback UDP port ({@code imudp}) and a free loopback TCP port ({@code imtcp}, which
 * takes RFC 6587 octet-counted frames), and never touches the system's {@code /dev/log}. Started with
 * {@link TlsListener}s, it also listens for RFC 5425 syslog over TLS on one free loopback port each ({@code imtcp}
 * with rsyslog's OpenSSL stream driver, Debian package {@code rsyslog-openssl}), with its own certificate, and with
 * or without requiring a client certificate ({@link #tlsPort(int)}).
 *
 * <p>Every message it receives becomes one line of its output file, written with a template of the fields rsyslog
 * parsed from it (RFC 5424 when the message is one); {@link #received()} reads them back as {@link Message}s.
 * Control characters inside a field arrive escaped the rsyslog way ({@code #012} for a newline).
 *
 * {@snippet :
 * try (RsyslogServer rsyslog = RsyslogServer.start(dir)) {
 *     // point the service at rsyslog.socket(), rsyslog.udpPort() or rsyslog.tcpPort(), then:
 *     List<RsyslogServer.Message> lines = rsyslog.received();
 * }
 * }
 */
public final class RsyslogServer implements AutoCloseable {

    /** Where Debian's {@code rsyslog} package installs the daemon. */
    public static final Path EXECUTABLE = Path.of("/usr/sbin/rsyslogd");

    /** Where Debian's {@code rsyslog-openssl} package installs the OpenSSL stream driver the TLS listeners use. */
    public static final Path TLS_DRIVER = Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so");

    /** The input name of the messages received over TLS ({@link Message#input()}). */
    public static final String TLS_INPUT = "imtcp-tls";

    /** The APP-NAME of the messages {@link #start} sends to see that every input is up; {@link #received()} skips them. */
    static final String PROBE = "servicekit-rsyslog-probe";

    private static final List<String> INPUTS = List.of("imuxsock", "imudp", "imtcp", TLS_INPUT);
    private static final Duration READY = Duration.ofSeconds(20);
    private static final Duration STOP = Duration.ofSeconds(10);

    private final Path dir;
    private final int udpPort;
    private final int tcpPort;
    private final List<TlsListener> tls;
    private final int[] tlsPorts;
    private Process process;

    /**
     * A TLS listener (RFC 5425): rsyslog presents {@code certificate} (PEM, with its PKCS#8 {@code key}); with a
     * {@code clientCa}, it requires a client certificate that CA file's certificates sign ({@code AuthMode}
     * {@code x509/certvalid}), else it asks for none ({@code anon}).
     *
     * @param certificate the listener's certificate, PEM
     * @param key         its private key, PEM
     * @param clientCa    the CA certificates a client certificate must chain to (a self-signed client certificate
     *                    itself will do); empty for no client certificate
     */
    public record TlsListener(Path certificate, Path key, Optional<Path> clientCa) {
        /** Checks values. */
        public TlsListener {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(clientCa, "clientCa");
        }
    }

    /**
     * One received message, as rsyslog parsed it.
     *
     * @param input           the input it came through: {@code imuxsock}, {@code imudp}, {@code imtcp} or
     *                        {@link #TLS_INPUT}
     * @param protocolVersion {@code 1} for an RFC 5424 message, {@code 0} for a legacy (RFC 3164) one
     * @param facility        the facility number
     * @param severity        the severity number
     * @param timestamp       the message's own time, RFC 3339
     * @param hostname        HOSTNAME
     * @param appName         APP-NAME
     * @param procId          PROCID
     * @param msgId           MSGID
     * @param structuredData  STRUCTURED-DATA, {@code -} when there is none
     * @param msg             MSG
     */
    public record Message(
            String input,
            String protocolVersion,
            int facility,
            int severity,
            String timestamp,
            String hostname,
            String appName,
            String procId,
            String msgId,
            String structuredData,
            String msg) {}

    private RsyslogServer(Path dir, int udpPort, int tcpPort, List<TlsListener> tls, int[] tlsPorts) {
        this.dir = dir;
        this.udpPort = udpPort;
        this.tcpPort = tcpPort;
        this.tls = List.copyOf(tls);
        this.tlsPorts = tlsPorts.clone();
    }

    /**
     * Why rsyslog cannot run here (no {@code /usr/sbin/rsyslogd}), or empty when it can. Tests skip on a reason
     * locally and fail on CI ({@code CI=true}), where {@code .ci/run} installs rsyslog.
     */
    public static Optional<String> unavailableReason() {
        return Files.isExecutable(EXECUTABLE)
                ? Optional.empty()
                : Optional.of("no rsyslogd at " + EXECUTABLE + " (apt-get install rsyslog)");
    }

    /**
     * Why rsyslog cannot listen for TLS here (no rsyslogd, or no OpenSSL stream driver at {@link #TLS_DRIVER}), or
     * empty when it can.
     */
    public static Optional<String> tlsUnavailableReason() {
        return unavailableReason()
                .or(() -> Files.isRegularFile(TLS_DRIVER)
                        ? Optional.empty()
                        : Optional.of("no rsyslog OpenSSL stream driver at " + TLS_DRIVER
                                + " (apt-get install rsyslog-openssl)"));
    }

    /**
     * Checks the configuration ({@code rsyslogd -N1}), starts rsyslog in the foreground and waits until each of its
     * three inputs has delivered a probe message to the output file.
     *
     * @param dir rsyslog's directory: configuration, pid file, work directory, socket and output go here
     * @throws IllegalStateException if rsyslog refuses the configuration or is not ready within 20 s; the message
     *                               holds what it printed
     */
    public static RsyslogServer start(Path dir) {
        return start(dir, List.of());
    }

    /**
     * As {@link #start(Path)}, and listens for syslog over TLS on one loopback port per listener; each is ready (it
     * accepts connections) when this returns.
     *
     * @param tls the TLS listeners, in the order of {@link #tlsPort(int)}
     */
    public static RsyslogServer start(Path dir, List<TlsListener> tls) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(tls, "tls");
        Optional<String> unavailable = tls.isEmpty() ? unavailableReason() : tlsUnavailableReason();
        if (unavailable.isPresent()) {
            throw new IllegalStateException(unavailable.get());
        }
        int[] ports = FreePorts.distinct(2 + tls.size());
        // The socket path must fit in a sockaddr_un (108 bytes); JUnit's temp directories do.
        RsyslogServer server = new RsyslogServer(
                dir.toAbsolutePath(), ports[0], ports[1], tls, java.util.Arrays.copyOfRange(ports, 2, ports.length));
        server.writeConfig();
        server.check();
        server.startProcess();
        return server;
    }

    /** The UNIX datagram socket rsyslog reads, like {@code /dev/log}. */
    public Path socket() {
        return dir.resolve("log.sock");
    }

    /** The loopback UDP port rsyslog listens on. */
    public int udpPort() {
        return udpPort;
    }

    /** The loopback TCP port rsyslog listens on (octet-counted or newline-terminated frames). */
    public int tcpPort() {
        return tcpPort;
    }

    /** The loopback port of the {@code index}th {@link TlsListener} (RFC 5425: octet-counted frames in TLS). */
    public int tlsPort(int index) {
        return tlsPorts[index];
    }

    /** The pid of rsyslogd. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("rsyslogd is not running; start it first");
        }
        return process.pid();
    }

    /** The messages received so far, in the order rsyslog wrote them, without the start-up probes and its own. */
    public List<Message> received() {
        List<Message> messages = new ArrayList<>();
        for (String line : output().split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length != 11 || f[6].equals(PROBE) || !INPUTS.contains(f[0])) {
                continue; // rsyslogd's own lines come from no input
            }
            messages.add(new Message(
                    f[0],
                    f[1],
                    Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]),
                    f[4],
                    f[5],
                    f[6],
                    f[7],
                    f[8],
                    f[9],
                    f[10]));
        }
        return messages;
    }

    /** The output file so far: one tab-separated line of parsed fields per message. */
    public String output() {
        return ServerFiles.read(dir.resolve("messages.log"));
    }

    /** What rsyslogd printed (start-up errors). */
    public String console() {
        return ServerFiles.read(dir.resolve("rsyslogd.out"));
    }

    /** Stops rsyslogd: SIGTERM to its pid, SIGKILL after 10 s; waits until it exited. Does nothing when it is not running. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process = null;
        }
    }

    /** Stops rsyslogd. */
    @Override
    public void close() {
        stop();
    }

    private void writeConfig() {
        String fields = String.join(
                "\\t",
                "%inputname%",
                "%protocol-version%",
                "%syslogfacility%",
                "%syslogseverity%",
                "%timereported:::date-rfc3339%",
                "%hostname%",
                "%app-name%",
                "%procid%",
                "%msgid%",
                "%structured-data%",
                "%msg%");
        String config = String.join(
                "\n",
                "# Written by dev.servicekit.testing.RsyslogServer.",
                "global(workDirectory=\"" + dir.resolve("work") + "\" maxMessageSize=\"64k\")",
                // imuxsock without the system socket; the RFC 5424 parser instead of the local-socket one, and the
                // message's own timestamp and host name kept
                "module(load=\"imuxsock\" SysSock.Use=\"off\")",
                "input(type=\"imuxsock\" Socket=\"" + socket() + "\" UseSpecialParser=\"off\" ParseHostname=\"on\""
                        + " IgnoreTimestamp=\"off\" RateLimit.Interval=\"0\")",
                "module(load=\"imudp\")",
                "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" + udpPort + "\")",
                "module(load=\"imtcp\")",
                "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + tcpPort + "\")",
                tlsInputs(),
                "template(name=\"fields\" type=\"string\" string=\"" + fields + "\\n\")",
                "*.* action(type=\"omfile\" file=\"" + dir.resolve("messages.log") + "\" template=\"fields\")",
                "");
        try {
            Files.createDirectories(dir.resolve("work"));
            Files.writeString(dir.resolve("rsyslog.conf"), config, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the rsyslog configuration under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One imtcp input with the OpenSSL stream driver per TLS listener, each with its own certificate. */
    private String tlsInputs() {
        StringBuilder inputs = new StringBuilder();
        for (int i = 0; i < tls.size(); i++) {
            TlsListener listener = tls.get(i);
            inputs.append("input(type=\"imtcp\" name=\"" + TLS_INPUT + "\" address=\"127.0.0.1\" port=\""
                    + tlsPorts[i] + "\" StreamDriver.Name=\"ossl\" StreamDriver.Mode=\"1\""
                    + " StreamDriver.AuthMode=\"" + (listener.clientCa().isPresent() ? "x509/certvalid" : "anon")
                    + "\" StreamDriver.CertFile=\"" + listener.certificate().toAbsolutePath()
                    + "\" StreamDriver.KeyFile=\"" + listener.key().toAbsolutePath()
                    + "\" StreamDriver.CAFile=\""
                    + listener.clientCa().orElse(listener.certificate()).toAbsolutePath() + "\")\n");
        }
        return inputs.toString();
    }

    /** {@code rsyslogd -N1}: a configuration rsyslog refuses fails here, with its own words. */
    private void check() {
        List<String> command = command("-N1");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(READY.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within " + READY);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("rsyslogd refuses the configuration (exit " + p.exitValue() + "):\n"
                        + output + "\n" + ServerFiles.read(dir.resolve("rsyslog.conf")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the rsyslog configuration", e);
        }
    }

    private synchronized void startProcess() {
        List<String> command = command("-n", "-i", dir.resolve("rsyslogd.pid").toString());
        process = ServerFiles.start("rsyslogd", command, dir.resolve("rsyslogd.out"));
        long deadline = System.nanoTime() + READY.toNanos();
        while (!probesArrived()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                boolean alive = process.isAlive();
                stop();
                throw new IllegalStateException("rsyslogd did not receive on all its inputs within " + READY
                        + " (alive: " + alive + "); it printed:\n" + console() + "\nits output:\n" + output());
            }
            probe();
            pause();
        }
        for (int port : tlsPorts) {
            while (!accepts(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    boolean alive = process.isAlive();
                    stop();
                    throw new IllegalStateException("rsyslogd's TLS listener on port " + port + " did not accept"
                            + " within " + READY + " (alive: " + alive + "); it printed:\n" + console());
                }
                pause();
            }
        }
    }

    /** Whether a TCP connection to the port succeeds (it is closed at once, before any TLS handshake). */
    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends a probe message to the UDP and TCP inputs (the UNIX socket's file shows that one is bound). */
    private void probe() {
        byte[] message = ("<14>1 - - " + PROBE + " - - - probe").getBytes(StandardCharsets.US_ASCII);
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.send(new DatagramPacket(
                    message, message.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), udpPort)));
        } catch (IOException e) {
            // not bound yet; probe again
        }
        try (Socket tcp = new Socket()) {
            tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort), 500);
            OutputStream out = tcp.getOutputStream();
            out.write((message.length + " ").getBytes(StandardCharsets.US_ASCII));
            out.write(message);
            out.flush();
        } catch (IOException e) {
            // not listening yet; probe again
        }
    }

    private boolean probesArrived() {
        String output = output();
        return Files.exists(socket()) && output.contains("imudp\t1\t1\t6\t") && output.contains("imtcp\t1\t1\t6\t");
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(
                List.of(EXECUTABLE.toString(), "-f", dir.resolve("rsyslog.conf").toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for rsyslogd", e);
        }
    }
}
