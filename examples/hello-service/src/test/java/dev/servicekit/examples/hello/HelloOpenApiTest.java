package dev.servicekit.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.testing.OpenApiContract;
import dev.servicekit.testing.RedoclyLint;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ten-line application gets its OpenAPI document without a line of its own: its one route, described by
 * default, the toolkit's problem responses, and a document the linter passes.
 */
class HelloOpenApiTest {

    @TempDir
    static Path dir;

    static ServiceHost host;
    static TestHttpClient plain;
    static OpenApiContract contract;

    @BeforeAll
    static void start() {
        host = ServiceCli.builder(HttpServiceHost.application(new HelloApplication()))
                .environment(Map.of())
                .build()
                .start("http.port=0", "management.port=0", "data-dir=" + dir, "reload.watch=false");
        plain = TestHttpClient.create(host.endpoints().get("api").toString());
        contract = OpenApiContract.fetch(plain);
    }

    @AfterAll
    static void stop() {
        host.stop();
    }

    @Test
    void theDocumentDescribesTheRouteAndItsAnswersConformToIt() {
        JsonNode document = contract.document();
        assertThat(document.at("/info/title").asText()).isEqualTo("hello-service");
        assertThat(document.at("/info/version").asText()).isEqualTo("1.0");
        JsonNode hello = document.at("/paths/~1hello/get");
        assertThat(hello.path("operationId").asText()).isEqualTo("getHello");
        assertThat(hello.path("responses").properties().stream().map(Map.Entry::getKey))
                .containsExactly("200", "500", "503");

        TestHttpClient api = plain.withResponseCheck(contract);
        assertThat(api.get("/hello").json().path("hello").asText()).isEqualTo("world");
        assertThat(api.get("/nope").status()).isEqualTo(404);
        assertThat(api.delete("/hello").status()).isEqualTo(405);
        assertThat(api.get("/openapi.yaml").status()).isEqualTo(200);
    }

    @Test
    void anUndocumentedStatusBreaksTheContract() {
        TestResponse hello = plain.get("/hello");
        assertThat(contract.violations("GET", "/hello", new TestResponse(201, hello.headers(), hello.body())))
                .singleElement()
                .asString()
                .contains("status 201 is not documented");
    }

    @Test
    void theDocumentPassesTheRedoclyLinter() throws Exception {
        Path redocly = RedoclyLint.find().orElse(null);
        assumeTrue(redocly != null, RedoclyLint.ABSENT);
        Path file = Path.of("target", "hello-openapi.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, plain.get("/openapi.yaml").body());

        RedoclyLint.Result result = RedoclyLint.lint(redocly, file, Path.of("..", "..", "redocly.yaml"));

        assertThat(result.exitCode()).as(result.output()).isZero();
    }
}
