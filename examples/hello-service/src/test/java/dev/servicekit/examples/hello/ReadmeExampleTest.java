package dev.servicekit.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's "ten lines" are this module's HelloApplication, verbatim, and ten lines at most. */
class ReadmeExampleTest {

    @Test
    void theExampleInTheReadmeIsTheOneBuiltAndTested() throws IOException {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        Matcher block = Pattern.compile("```java\n(public final class HelloApplication.*?)```", Pattern.DOTALL)
                .matcher(readme);
        assertThat(block.find()).as("README has the HelloApplication block").isTrue();
        String source = Files.readString(Path.of("src/main/java/dev/servicekit/examples/hello/HelloApplication.java"));
        String code = source.substring(source.indexOf("public final class HelloApplication"));

        assertThat(block.group(1).strip())
                .isEqualTo(code.replace("    // spotless:off\n", "").replace("    // spotless:on\n", "")
                        .strip());
        assertThat(block.group(1).strip().lines())
                .as("your own service in ten lines")
                .hasSizeLessThanOrEqualTo(10);
    }
}
