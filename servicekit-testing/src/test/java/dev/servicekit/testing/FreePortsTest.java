package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsAskedForTogetherDifferAndCanBeBound() throws Exception {
        for (int round = 0; round < 20; round++) {
            int[] ports = FreePorts.distinct(3);
            assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(3);
            try (ServerSocket first = new ServerSocket(ports[0], 1, InetAddress.getLoopbackAddress());
                    ServerSocket second = new ServerSocket(ports[1], 1, InetAddress.getLoopbackAddress())) {
                assertThat(first.getLocalPort()).isNotEqualTo(second.getLocalPort());
            }
        }
    }

    @Test
    void zeroPortsIsAnError() {
        assertThatThrownBy(() -> FreePorts.distinct(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
