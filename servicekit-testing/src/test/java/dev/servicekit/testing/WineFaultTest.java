package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WineFaultTest {

    private static final String CRASH = WineFault.CRASH + " on read access to 0000000000000008, starting debugger...";
    private static final String NOT_STARTED = "Application could not be started, or no application associated with the"
            + " specified file.\r\n" + WineFault.NOT_STARTED + ": Internal error.\r\n";

    @Test
    void aCleanRunIsReturnedWithoutRunningAgain() throws Exception {
        Deque<String> outputs = new ArrayDeque<>(List.of("", CRASH));

        assertThat(WineFault.runAgainOnce("probe", outputs::removeFirst, Function.identity()))
                .isEmpty();
        assertThat(outputs).containsExactly(CRASH);
    }

    @ParameterizedTest
    @MethodSource("faults")
    void aFaultIsRunOnceMore(String fault) throws Exception {
        Deque<String> outputs = new ArrayDeque<>(List.of(fault, "", ""));

        assertThat(WineFault.runAgainOnce("probe", outputs::removeFirst, Function.identity()))
                .isEmpty();
        assertThat(outputs).hasSize(1);
    }

    static List<String> faults() {
        return List.of(CRASH, NOT_STARTED);
    }

    @Test
    void aSecondFaultInARowIsReturnedForTheCallerToFailOn() throws Exception {
        Deque<String> outputs = new ArrayDeque<>(List.of(CRASH, NOT_STARTED, ""));

        assertThat(WineFault.runAgainOnce("probe", outputs::removeFirst, Function.identity()))
                .isEqualTo(NOT_STARTED);
        assertThat(outputs).containsExactly("");
    }
}
