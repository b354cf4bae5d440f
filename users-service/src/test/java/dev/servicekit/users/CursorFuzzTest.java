package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Coverage-guided fuzzing of the pagination cursor codec. Invariants: {@link Cursor#decode} of any string
 * returns an id or empty (which {@code GET /api/v1/users} turns into a 400 problem) and never throws; a
 * decoded id is never negative and re-encodes to the same cursor text (one cursor per id, so a client
 * cannot forge variants); {@code decode(encode(id))} is {@code id} for every id ≥ 0. Seeds and regression
 * inputs: {@code src/test/resources/dev/servicekit/users/CursorFuzzTestInputs/}. See docs/fuzzing.md.
 */
class CursorFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void decode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        Optional<Long> id = Cursor.decode(text);
        id.ifPresent(value -> {
            assertThat(value).isNotNegative();
            assertThat(Cursor.encode(value))
                    .as("the canonical cursor of %d", value)
                    .isEqualTo(text);
        });
    }

    @FuzzTest(maxDuration = "5m")
    void roundTrip(long id) {
        long afterId = id == Long.MIN_VALUE ? 0 : Math.abs(id);
        assertThat(Cursor.decode(Cursor.encode(afterId))).contains(afterId);
    }
}
