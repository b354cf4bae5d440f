package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

    private static final ObjectMapper DATABIND = new ObjectMapper();

    @Test
    void readsWhatDatabindReadsWithItsDefaults() throws Exception {
        List<String> documents = List.of(
                "{}",
                "[]",
                "\"text with \\u00e9 and \\\"quotes\\\"\"",
                "0",
                "-12",
                "2147483648",
                "9223372036854775808",
                "1.5",
                "-2.5e-3",
                "true",
                "null",
                "{\"pid\":4711,\"state\":\"RUNNING\",\"endpoints\":{\"management\":\"http://127.0.0.1:9090\"}}",
                "{\"a\":[1,[2,{\"b\":null}],\"x\"],\"c\":{\"d\":{\"e\":false}},\"f\":0.25}",
                "{\"same\":1,\"same\":2}",
                "  {\"spaced\" :  [ 1 , 2 ] }  \n");
        for (String document : documents) {
            assertThat(JsonValues.read(document)).as(document).isEqualTo(DATABIND.readValue(document, Object.class));
        }
        assertThat(JsonValues.read("2147483648")).isInstanceOf(Long.class);
        assertThat(JsonValues.read("9223372036854775808")).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(JsonValues.readObject("{\"b\":1,\"a\":2}").keySet()).containsExactly("b", "a");
    }

    @Test
    void refusesWhatIsNotOneJsonValue() {
        for (String bad : List.of("", "   ", "{", "{\"a\":}", "[1,]", "{} {}", "{}x", "nul", "{'a':1}", "\"open")) {
            assertThatThrownBy(() -> JsonValues.read(bad)).as("%s", bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void readObjectRefusesAnyOtherValue() {
        assertThatThrownBy(() -> JsonValues.readObject("[1]"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a JSON object but a JSON array");
        assertThatThrownBy(() -> JsonValues.readObject("null"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a JSON object but null");
    }

    @Test
    void writesWhatDatabindWrites() throws Exception {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", "users-service");
        view.put("instance", null);
        view.put("running", true);
        view.put("pid", 4711L);
        view.put("restarts", 3);
        view.put("ratio", 0.5);
        view.put("big", new BigInteger("123456789012345678901234567890"));
        view.put("notes", List.of("a \"quoted\" note", "é, \u2028 and a tab\t"));
        view.put("nested", Map.of("list", new ArrayList<>(Arrays.asList(1, null, Map.of()))));

        assertThat(JsonValues.write(view)).isEqualTo(DATABIND.writeValueAsString(view));
        assertThat(JsonValues.read(JsonValues.write(view)))
                .isEqualTo(DATABIND.readValue(DATABIND.writeValueAsString(view), Object.class));
    }

    @Test
    void refusesToWriteATypeItDoesNotKnow() {
        assertThatThrownBy(() -> JsonValues.write(Map.of("at", Instant.EPOCH)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.time.Instant");
    }
}
