package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Try it" curl lines work against the jar, on free ports instead of 8080/9090. */
class ReadmeCommandsIT {

    @TempDir
    Path dir;

    @Test
    void theReadmeCurlExamplesWork() throws Exception {
        List<String> commands = tryItCommands(Files.readString(Path.of("..", "README.md")));
        assertThat(commands).hasSizeGreaterThanOrEqualTo(5);

        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("run", "--set", "http.port=0", "--set", "management.port=0")
                .start()) {
            String api = service.awaitOutput(UsersServiceProcessIT.API, Duration.ofSeconds(60))
                    .group(1);
            String management = service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, Duration.ofSeconds(60))
                    .group(1);
            String java = ProcessHandle.current().info().command().orElse("java");
            StringBuilder script = new StringBuilder("set -euo pipefail\n");
            for (String command : commands) {
                script.append(command.replace("localhost:8080", "localhost:" + api)
                                .replace("localhost:9090", "localhost:" + management)
                                .replace(
                                        "java -jar users-service/target/users-service.jar",
                                        "'" + java + "' -jar '" + UsersServiceProcessIT.JAR.toAbsolutePath() + "'"))
                        .append("\necho\n");
            }
            // One shell, in the service's working directory: the token command finds the key the service generated.
            Process process = new ProcessBuilder("bash", "-c", script.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.exitValue())
                    .as("README commands printed:%n%s", output)
                    .isZero();
            assertThat(output)
                    .contains("HTTP/1.1 201")
                    .contains("\"name\":\"Ada Lovelace\"")
                    .contains("\"items\":[")
                    .contains("\"access_token\"")
                    .contains("\"name\":\"Ada King\"")
                    .contains("HTTP/1.1 204")
                    .contains("\"status\":\"UP\"")
                    .contains("openapi: 3.1.0");
            service.signal("TERM");
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    /** The commands of the first sh block after "## Try it", with backslash continuations joined. */
    static List<String> tryItCommands(String readme) throws IOException {
        int section = readme.indexOf("## Try it");
        assertThat(section).as("README has a 'Try it' section").isNotNegative();
        int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
        int end = readme.indexOf("```", start);
        String block = readme.substring(start, end).replaceAll("\\\\\n\\s*", "");
        List<String> commands = new ArrayList<>();
        for (String line : block.split("\n")) {
            if (!line.isBlank() && !line.strip().startsWith("#")) {
                commands.add(line.strip());
            }
        }
        return commands;
    }
}
