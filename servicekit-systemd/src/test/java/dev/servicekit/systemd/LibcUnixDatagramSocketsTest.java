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
    void aPathWhereNothingListensFailsNamingIt() {
        assumeTrue(new LibcUnixDatagramSockets().supported(), "not Linux");
        Path missing = dir.resolve("nothing.sock");
        assertThatThrownBy(() -> new LibcUnixDatagramSockets().connect(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("\"" + missing + "\"");
    }
}
