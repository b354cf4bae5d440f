package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WineCrashTest {

    private static final String CRASH = WineCrash.MARKER + " on read access to 0000000000000008, starting debugger...";

    @Test
    void aCleanRunIsReturnedWithoutRunningAgain() throws Exception {
        Deque<String> stderrs = new ArrayDeque<>(List.of("", CRASH));

        assertThat(WineCrash.runAgainOnce("probe", stderrs::removeFirst, Function.identity()))
                .isEmpty();
        assertThat(stderrs).containsExactly(CRASH);
    }

    @Test
    void aCrashIsRunOnceMore() throws Exception {
        Deque<String> stderrs = new ArrayDeque<>(List.of(CRASH, "", ""));

        assertThat(WineCrash.runAgainOnce("probe", stderrs::removeFirst, Function.identity()))
                .isEmpty();
        assertThat(stderrs).hasSize(1);
    }

    @Test
    void aSecondCrashInARowIsReturnedForTheCallerToFailOn() throws Exception {
        Deque<String> stderrs = new ArrayDeque<>(List.of(CRASH, CRASH, ""));

        assertThat(WineCrash.runAgainOnce("probe", stderrs::removeFirst, Function.identity()))
                .isEqualTo(CRASH);
        assertThat(stderrs).containsExactly("");
    }
}
