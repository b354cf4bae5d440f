package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void portsAskedForTogetherDifferAndCanBeBound() throws IOException {
        for (int round = 0; round < 20; round++) {
            int[] ports = FreePorts.distinct(3);
            assertThat(Arrays.stream(ports).boxed().toList())
                    .doesNotHaveDuplicates()
                    .allSatisfy(port -> assertThat(port).isBetween(1, 65_535));
            // All three bound at once: a port that is taken, or given twice, throws BindException.
            List<ServerSocket> bound = new ArrayList<>();
            try {
                assertThatNoException()
                        .as("binding %s together", Arrays.toString(ports))
                        .isThrownBy(() -> {
                            for (int port : ports) {
                                bound.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
                            }
                        });
            } finally {
                for (ServerSocket socket : bound) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void zeroPortsIsAnError() {
        assertThatThrownBy(() -> FreePorts.distinct(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
