package dev.servicekit.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A TLS server that refuses as OpenSSL refuses: {@code openssl s_server} over TLS 1.2 on a loopback port, asking for
 * a client certificate signed by {@code clientCa}. A client certificate {@code clientCa} did not sign gets OpenSSL's
 * alert {@code unknown_ca} during the handshake (over TLS 1.2 the alert arrives before the client finished, so it is
 * not a race), as servers built on OpenSSL (rsyslog's ossl driver) refuse one.
 *
 * {@snippet :
 * try (OpensslTlsServer server = OpensslTlsServer.start(dir, cert.certificatePem(), cert.privateKeyPem(), ca)) {
 *     // connect to 127.0.0.1:server.port()
 * }
 * }
 */
public final class OpensslTlsServer implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(15);

    private final Process process;
    private final int port;

    private OpensslTlsServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Why {@code openssl} cannot run here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        try {
            Process version = new ProcessBuilder("openssl", "version")
                    .redirectErrorStream(true)
                    .start();
            version.getInputStream().readAllBytes();
            return version.waitFor() == 0
                    ? Optional.empty()
                    : Optional.of("`openssl version` exited " + version.exitValue());
        } catch (IOException e) {
            return Optional.of("no openssl on the PATH (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /**
     * Starts the server with its certificate and key (PEM) and the CA its clients' certificates must chain to;
     * returns once it accepts connections. Its output goes to {@code dir/s_server.out}.
     */
    public static OpensslTlsServer start(Path dir, Path certificate, Path key, Path clientCa) {
        int port = FreePorts.one();
        List<String> command = List.of(
                "openssl",
                "s_server",
                "-tls1_2",
                "-accept",
                "127.0.0.1:" + port,
                "-cert",
                certificate.toAbsolutePath().toString(),
                "-key",
                key.toAbsolutePath().toString(),
                "-Verify",
                "1",
                "-verify_return_error", // else s_server logs a failed verification and goes on
                // -verifyCAfile, not -CAfile: the server names no acceptable CAs, so that a JDK client presents a
                // certificate it does not trust (a JDK client presents none whose issuer the server does not name)
                "-verifyCAfile",
                clientCa.toAbsolutePath().toString());
        Process process = ServerFiles.start("openssl s_server", command, dir.resolve("s_server.out"));
        OpensslTlsServer server = new OpensslTlsServer(process, port);
        try {
            Poll.until(READY, "openssl s_server to accept on 127.0.0.1:" + port, () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("openssl s_server exited " + process.exitValue() + ":\n"
                            + ServerFiles.read(dir.resolve("s_server.out")));
                }
                return server.accepts();
            });
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** The loopback port it listens on. */
    public int port() {
        return port;
    }

    private boolean accepts() {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the server. */
    @Override
    public void close() {
        ChildProcesses.terminate(process);
    }
}
