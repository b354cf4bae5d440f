package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.testing.LogCapture;
import io.helidon.http.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {

    static final SocketAddress NGINX = new InetSocketAddress("10.0.0.5", 41000);
    static final SocketAddress STRANGER = new InetSocketAddress("198.51.100.9", 52000);
    final ClientAddresses behindNginx = ClientAddresses.trusting(List.of("10.0.0.5", "10.0.0.6"));

    @Test
    void withoutTrustedProxiesTheClientIsThePeerWhateverItForwards() {
        ClientAddresses direct = ClientAddresses.direct();

        assertThat(direct.resolve(STRANGER, List.of())).isEqualTo("198.51.100.9");
        assertThat(direct.resolve(STRANGER, List.of("203.0.113.7"))).isEqualTo("198.51.100.9");
        assertThat(direct.trustsProxies()).isFalse();
    }

    @Test
    void fromATrustedProxyTheClientIsTheRightmostForwardedAddressThatIsNotAProxy() {
        assertThat(behindNginx.resolve(NGINX, List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(behindNginx.resolve(NGINX, List.of("1.1.1.1", "203.0.113.7")))
                .as("the left entry was written by the client and is not believed")
                .isEqualTo("203.0.113.7");
        assertThat(behindNginx.resolve(NGINX, List.of("1.1.1.1", "203.0.113.7", "10.0.0.6")))
                .as("a chain of trusted proxies is skipped")
                .isEqualTo("203.0.113.7");
    }

    @Test
    void fromAnUntrustedPeerForwardedAddressesAreIgnored() {
        assertThat(behindNginx.resolve(STRANGER, List.of("203.0.113.7"))).isEqualTo("198.51.100.9");
    }

    @Test
    void aTrustedProxyWithoutTheHeaderOrWithOnlyProxiesInItIsItselfOrTheLeftmostTheClient() {
        assertThat(behindNginx.resolve(NGINX, List.of())).isEqualTo("10.0.0.5");
        assertThat(behindNginx.resolve(NGINX, List.of("10.0.0.6", "10.0.0.5"))).isEqualTo("10.0.0.6");
    }

    @Test
    void anEntryThatIsNotAnAddressStopsTheWalkAtTheProxyThatForwardedIt() {
        assertThat(behindNginx.resolve(NGINX, List.of("unknown"))).isEqualTo("10.0.0.5");
        assertThat(behindNginx.resolve(NGINX, List.of("203.0.113.7", "evil.example", "10.0.0.6")))
                .isEqualTo("10.0.0.6");
        assertThat(behindNginx.resolve(NGINX, List.of("203.0.113.7:4711"))).isEqualTo("10.0.0.5");
    }

    @Test
    void ipv6AddressesAreComparedAndReturnedInCanonicalForm() {
        ClientAddresses local = ClientAddresses.trusting(List.of("::1"));
        SocketAddress peer = new InetSocketAddress("0:0:0:0:0:0:0:1", 1234);

        assertThat(local.resolve(peer, List.of("2001:DB8::7"))).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(local.resolve(peer, List.of(" 203.0.113.7 "))).isEqualTo("203.0.113.7");
    }

    @Test
    void onlyIpAddressesAreAcceptedAsProxiesAndEveryBadOneIsNamed() {
        assertThat(ClientAddresses.problems(List.of("10.0.0.5", "::1", "2001:db8::1", "::ffff:10.0.0.1")))
                .isEmpty();
        assertThat(ClientAddresses.problems(
                        List.of("nginx.internal", "10.0.0.0/8", "999.1.1.1", "1.2.3", "010.0.0.1", "1::2::3", "[::1]")))
                .hasSize(7)
                .allSatisfy(problem -> assertThat(problem).contains("is not an IP address"))
                .anySatisfy(problem -> assertThat(problem).startsWith("\"nginx.internal\""));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ClientAddresses.trusting(List.of("10.0.0.5", "lb.example")))
                .withMessageContaining("\"lb.example\" is not an IP address");
    }

    @Test
    void forwardedForFromAnUntrustedPeerWithNoProxiesConfiguredIsLoggedOnce() {
        ClientAddresses direct = ClientAddresses.direct();
        try (LogCapture log = LogCapture.of(ClientAddresses.class.getName())) {
            direct.resolve(STRANGER, List.of("203.0.113.7"));
            direct.resolve(STRANGER, List.of("203.0.113.8"));

            assertThat(log.events()).hasSize(1);
            assertThat(log.events().getFirst().getFormattedMessage())
                    .contains("198.51.100.9")
                    .contains("http.trusted-proxies");
        }
    }

    private static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(HttpConfigKeys.all())
            .add(CoreConfigKeys.all())
            .check(HttpConfigKeys::check)
            .check(CoreConfigKeys::check)
            .build();

    private static Config load(String... overrides) {
        return ConfigLoader.builder(SCHEMA)
                .environment(Map.of())
                .overrides(List.of(overrides))
                .build()
                .load();
    }

    @Test
    void theConfigKeyDefaultsToNoProxyAndItsCheckNamesEachBadEntry() {
        assertThat(HttpConfigKeys.clientAddresses(load()).trustsProxies()).isFalse();
        assertThat(HttpConfigKeys.clientAddresses(load("http.trusted-proxies=10.0.0.5, ::1"))
                        .resolve(NGINX, List.of("203.0.113.7")))
                .isEqualTo("203.0.113.7");

        ConfigException thrown = catchThrowableOfType(
                ConfigException.class, () -> load("http.trusted-proxies=10.0.0.5,nginx,10.0.0.0/8"));

        assertThat(thrown).isNotNull();
        assertThat(thrown.problems()).extracting(ConfigProblem::key).containsOnly("http.trusted-proxies");
        assertThat(thrown.problems())
                .extracting(ConfigProblem::message)
                .anySatisfy(message -> assertThat(message).contains("\"nginx\" is not an IP address"))
                .anySatisfy(message -> assertThat(message).contains("\"10.0.0.0/8\" is not an IP address"));
    }

    @Test
    void overARealConnectionEveryForwardedForLineIsReadThroughHelidon() {
        ClientAddresses loopbackProxy = ClientAddresses.trusting(List.of("127.0.0.1"));
        ApiServer server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)),
                List.of(Route.get(
                        "/client", (req, res) -> res.status(Status.OK_200).send(loopbackProxy.of(req)))));
        server.start();
        try {
            assertThat(rawGet(server.port(), "")).endsWith("127.0.0.1");
            assertThat(rawGet(server.port(), "X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\n"))
                    .endsWith("203.0.113.7");
            assertThat(rawGet(
                            server.port(), "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 127.0.0.1, 127.0.0.1\r\n"))
                    .as("two header lines are one list")
                    .endsWith("203.0.113.7");
        } finally {
            server.stop();
        }
    }

    /** A GET on a raw socket, so headers go out exactly as written; returns the body. */
    private static String rawGet(int port, String extraHeaders) {
        return HttpTestSupport.raw(port, "GET /client HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders + "\r\n")
                .body();
    }
}
