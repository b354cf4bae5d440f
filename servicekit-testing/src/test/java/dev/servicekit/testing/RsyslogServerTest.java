package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rsyslog helper: a real rsyslogd that parses RFC 5424 from UDP and TCP, and is gone after stop. */
class RsyslogServerTest {

    @TempDir
    Path dir;

    /** Skips without rsyslogd locally; on CI (CI=true) .ci/run installs it, so a missing rsyslogd fails. */
    @BeforeAll
    static void rsyslogInstalled() {
        Optional<String> missing = RsyslogServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("RsyslogServerTest cannot run on CI: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), "rsyslog tests skipped: " + missing.orElse(""));
    }

    @Test
    void parsesRfc5424MessagesFromUdpAndTcpAndStopsByItsPid() throws IOException {
        ProcessHandle daemon;
        try (RsyslogServer rsyslog = RsyslogServer.start(dir)) {
            daemon = ProcessHandle.of(rsyslog.pid()).orElseThrow();
            byte[] udp = "<27>1 2026-12-04T15:25:27.123Z host app 42 id [x@32473 k=\"v\"] over udp"
                    .getBytes(StandardCharsets.UTF_8);
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.send(new DatagramPacket(udp, udp.length, InetAddress.getLoopbackAddress(), rsyslog.udpPort()));
            }
            byte[] tcp = "<30>1 2026-12-04T15:25:28.456Z host app 43 - - over tcp\nsecond line"
                    .getBytes(StandardCharsets.UTF_8);
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), rsyslog.tcpPort())) {
                socket.getOutputStream().write((tcp.length + " ").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(tcp);
            }

            List<RsyslogServer.Message> received = Poll.until(
                    Duration.ofSeconds(10), "two messages in rsyslog's output", rsyslog::received, m -> m.size() == 2);
            assertThat(received)
                    .containsExactlyInAnyOrder(
                            new RsyslogServer.Message(
                                    "imudp",
                                    "1",
                                    3,
                                    3,
                                    "2026-12-04T15:25:27.123Z",
                                    "host",
                                    "app",
                                    "42",
                                    "id",
                                    "[x@32473 k=\"v\"]",
                                    "over udp"),
                            new RsyslogServer.Message(
                                    "imtcp",
                                    "1",
                                    3,
                                    6,
                                    "2026-12-04T15:25:28.456Z",
                                    "host",
                                    "app",
                                    "43",
                                    "-",
                                    "-",
                                    "over tcp#012second line"));
        }
        assertThat(daemon.isAlive()).as("rsyslogd runs after stop").isFalse();
    }
}
