package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.TestResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PaginationTest {

    @TempDir
    Path dataDir;

    @Test
    void walking120UsersWithLimit50TakesThreePagesWithoutGapsOrDuplicates() {
        try (RunningUsersService service = RunningUsersService.start(dataDir)) {
            List<Long> created = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                TestResponse response = service.api.post(
                        "/api/v1/users", "{\"name\":\"User " + i + "\",\"email\":\"page" + i + "@example.com\"}");
                assertThat(response.status()).isEqualTo(201);
                created.add(response.json().path("id").asLong());
            }

            List<Long> seen = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String cursor = null;
            do {
                String path = "/api/v1/users?limit=50"
                        + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                JsonNode page = service.api.get(path).json();
                pageSizes.add(page.path("items").size());
                page.path("items").forEach(item -> seen.add(item.path("id").asLong()));
                cursor = page.path("nextCursor").isNull()
                        ? null
                        : page.path("nextCursor").asText();
            } while (cursor != null);

            assertThat(pageSizes).containsExactly(50, 50, 20);
            assertThat(seen).containsExactlyElementsOf(created);
        }
    }
}
