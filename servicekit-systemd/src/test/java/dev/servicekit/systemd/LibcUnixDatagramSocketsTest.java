package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.spi.UnixDatagramSocket;
import dev.servicekit.testing.NotifySocketReceiver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UNIX datagram sockets through libc: found through ServiceLoader on Linux, sending whole datagrams. */
class LibcUnixDatagramSocketsTest {

    @TempDir
    Path dir;

    @Test
    void isTheProviderCoreFindsOnLinux() {
        assumeTrue(new LibcUnixDatagramSockets().supported(), "not Linux");
        assertThat(UnixDatagramSocket.provider()).get().isInstanceOf(LibcUnixDatagramSockets.class);
    }

    @Test
    void sendsEachDatagramWholeToTheConnectedPath() throws Exception {
        assumeTrue(new LibcUnixDatagramSockets().supported(), "not Linux");
        Path path = dir.resolve("log.sock");
        try (NotifySocketReceiver receiver = NotifySocketReceiver.atPath(path);
                UnixDatagramSocket socket = new LibcUnixDatagramSockets().connect(path)) {
            byte[] first =
                    "<30>1 - - app 1 - - first\nwith a second line".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            socket.send(first, first.length);
            byte[] second = "<27>1 - - app 1 - - second".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            socket.send(second, second.length);

            assertThat(receiver.next(Duration.ofSeconds(5)).orElseThrow().text())
                    .isEqualTo("<30>1 - - app 1 - - first\nwith a second line");
            assertThat(receiver.next(Duration.ofSeconds(5)).orElseThrow().text())
                    .isEqualTo("<27>1 - - app 1 - - second");
        }
    }

    @Test
    void aSendToAReceiverThatStopsReadingFailsAfterTheTimeoutInsteadOfBlocking() throws Exception {
        assumeTrue(new LibcUnixDatagramSockets().supported(), "not Linux");
        Path path = dir.resolve("full.sock");
        byte[] address = SdNotify.socketAddress(path.toString()).orElseThrow();
        int receiver = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        try (UnixDatagramSocket socket = bindAndConnect(receiver, address, path)) {
            byte[] datagram = new byte[1024];
            IOException failure = null;
            long start = System.nanoTime();
            // the receiver never reads: its queue (net.unix.max_dgram_qlen, 10 by default) fills, then a send waits
            for (int i = 0; i < 10_000 && failure == null; i++) {
                try {
                    socket.send(datagram, datagram.length);
                } catch (IOException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("a send failed once the queue was full").isNotNull();
            assertThat(failure.getMessage()).contains("\"" + path + "\"");
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(LibcUnixDatagramSockets.SEND_TIMEOUT_SECONDS + 5));
        } finally {
            LibC.INSTANCE.close(receiver);
        }
    }

    private static UnixDatagramSocket bindAndConnect(int receiver, byte[] address, Path path) throws IOException {
        LibC.INSTANCE.bind(receiver, address, address.length);
        return new LibcUnixDatagramSockets().connect(path);
    }

    @Test
    void aPathWhereNothingListensFailsNamingIt() {
        assumeTrue(new LibcUnixDatagramSockets().supported(), "not Linux");
        Path missing = dir.resolve("nothing.sock");
        assertThatThrownBy(() -> new LibcUnixDatagramSockets().connect(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("\"" + missing + "\"");
    }
}
