package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.ConfigDocumentation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists every key exactly as the code defines it. After changing a key, run
 * {@code ./mvnw -pl users-service test -Dtest=ConfigurationDocsTest -Dservicekit.docs.write=true} to rewrite the table.
 */
class ConfigurationDocsTest {

    static final Path DOC = Path.of("..", "docs", "configuration.md");
    static final String START = "<!-- config-table:start (generated from the code; see ConfigurationDocsTest) -->\n";
    static final String END = "<!-- config-table:end -->";

    @Test
    void configurationReferenceMatchesTheCode() throws IOException {
        String table = ConfigDocumentation.markdownTable(UsersServiceApplication.schema(), "USERS_SERVICE");
        String doc = Files.readString(DOC);
        int start = doc.indexOf(START);
        int end = doc.indexOf(END);
        assertThat(start).as("%s has the generated-table markers", DOC).isNotNegative();
        assertThat(end).isGreaterThan(start);

        String expected = doc.substring(0, start + START.length()) + table + doc.substring(end);
        if (Boolean.getBoolean("servicekit.docs.write")) {
            Files.writeString(DOC, expected);
        }
        assertThat(doc)
                .as("docs/configuration.md is out of date; regenerate it (see this test's Javadoc)")
                .isEqualTo(expected);
    }
}
