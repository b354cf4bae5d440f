package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who holds a port: a real socket read from the real {@code /proc}, and the parsing on a {@code /proc} in a file tree. */
class PortHoldersTest {

    @TempDir
    Path proc;

    @Test
    void aSocketThisJvmListensOnIsHeldByThisPid() throws Exception {
        PortHolders system = PortHolders.system();
        org.junit.jupiter.api.Assumptions.assumeTrue(system.supported(), "no /proc/net/tcp here (not Linux)");
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<PortHolders.Holder> holders = system.listening(socket.getLocalPort());

            assertThat(holders).hasSize(1);
            assertThat(holders.getFirst().pid())
                    .hasValue(ProcessHandle.current().pid());
            assertThat(holders.getFirst().describe())
                    .startsWith("pid " + ProcessHandle.current().pid() + " (");
        }
    }

    @Test
    void onlyListeningSocketsOnThePortCountAndAnUnseenOwnerIsNamedByUid() throws Exception {
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net/tcp"), """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0 100 0 0 10 0
                   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1
                   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0
                """);
        Files.writeString(proc.resolve("net/tcp6"), """
                  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0 100 0 0 10 0
                """);
        Path fd = Files.createDirectories(proc.resolve("4242/fd"));
        Files.createSymbolicLink(fd.resolve("7"), Path.of("socket:[111]"));
        Files.createSymbolicLink(fd.resolve("8"), Path.of("socket:[222]"));
        Files.writeString(proc.resolve("4242/cmdline"), "java\0-jar\0users-service.jar\0run\0");
        PortHolders holders = new PortHolders(proc);

        List<PortHolders.Holder> on8080 = holders.listening(8080);
        List<PortHolders.Holder> on8081 = holders.listening(8081);

        assertThat(on8080).singleElement().satisfies(holder -> {
            assertThat(holder.pid()).hasValue(4242);
            assertThat(holder.describe()).isEqualTo("pid 4242 (java -jar users-service.jar run), uid 1000");
        });
        assertThat(on8081).hasSize(2).allSatisfy(holder -> {
            assertThat(holder.pid()).isEmpty();
            assertThat(holder.describe()).startsWith("a process of uid 0 that this account cannot see");
        });
        assertThat(holders.listening(9090)).isEmpty();
    }
}
