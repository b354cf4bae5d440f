package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.http.ApiServer;
import dev.servicekit.http.HttpConfigKeys;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.Route;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import io.helidon.http.Status;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's "ten lines" example, verbatim, compiles and serves. */
class ReadmeExampleTest {

    // ---- copied verbatim from README.md (the test below checks they stay identical) ----
    public static final class HelloApplication implements ServiceApplication {
        public String name() { return "hello-service"; }
        public String version() { return "1.0"; }
        public ConfigSchema configSchema() {
            return ConfigSchema.builder().add(HttpConfigKeys.all()).add(CoreConfigKeys.all()).build();
        }
        public Service createService(Config config) {
            return ctx -> {
                ApiServer api = ApiServer.create(HttpConfigKeys.apiServer(config), List.of(
                        Route.get("/hello", (req, res) -> JsonBodies.send(res, Status.OK_200, Map.of("hello", "world")))));
                api.start();
                ctx.onStop("API listener", api::stop);
            };
        }
        public static void main(String[] args) { ServiceCli.main(new HelloApplication(), args); }
    }
    // ---- end of the copy ----

    @Test
    void theExampleServesHello() throws IOException {
        HelloApplication app = new HelloApplication();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // the example binds a configured port, so pick a free one
        }
        Config config = ConfigLoader.builder(app.configSchema()).overrides(List.of("http.port=" + port)).build().load();
        ServiceHost host = ServiceHost.builder(app.name(), app.createService(config)).build();
        host.start();
        try {
            TestResponse hello = TestHttpClient.create("http://127.0.0.1:" + port).get("/hello");
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.json().path("hello").asText()).isEqualTo("world");
        } finally {
            host.stop();
        }
    }

    @Test
    void theExampleInTheReadmeIsTheOneTested() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher block = Pattern.compile("```java\n(public final class HelloApplication.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).isTrue();
        String source = Files.readString(Path.of("src/test/java/dev/servicekit/users/ReadmeExampleTest.java"));
        String copy = source.substring(source.indexOf("    public static final class HelloApplication"), source.indexOf("    // ---- end of the copy"));
        assertThat(copy.replace("public static final class", "public final class").stripTrailing().stripIndent().strip())
                .isEqualTo(block.group(1).strip());
    }
}
