package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.service.registry.GlobalServiceRegistry;
import org.junit.jupiter.api.Test;

class StartupWarmUpTest {

    @Test
    void onlyTheVerbsThatStartTheServiceWarmUp() {
        assertThat(StartupWarmUp.startsTheService(new String[] {"run"})).isTrue();
        assertThat(StartupWarmUp.startsTheService(new String[] {"service", "--instance", "a"}))
                .isTrue();
        assertThat(StartupWarmUp.startsTheService(new String[] {"version"})).isFalse();
        assertThat(StartupWarmUp.startsTheService(new String[] {"token", "issue"}))
                .isFalse();
        assertThat(StartupWarmUp.startsTheService(new String[] {"--help"})).isFalse();
        assertThat(StartupWarmUp.startsTheService(new String[0])).isFalse();
    }

    /**
     * One sequence, because the warm-up is once per JVM: nothing to wait for before it starts, not for other verbs,
     * not when switched off, once for run, Helidon and the management beans done when awaitDone returns and the
     * token verification when awaitNimbusDone returns, every step done without a failure (a Helidon or nimbus upgrade
     * that broke a step would otherwise only make starts slower, silently), and its thread gone after awaitFinished.
     */
    @Test
    void runWarmsUpOnceOnADaemonThreadAndEveryStepWorks() throws InterruptedException {
        StartupWarmUp.awaitDone(); // nothing started: returns at once
        StartupWarmUp.awaitNimbusDone();

        assertThat(StartupWarmUp.begin(new String[] {"version"})).isFalse();
        System.setProperty(StartupWarmUp.PROPERTY, "false");
        try {
            assertThat(StartupWarmUp.begin(new String[] {"run"})).isFalse();
        } finally {
            System.clearProperty(StartupWarmUp.PROPERTY);
        }

        assertThat(StartupWarmUp.begin(new String[] {"run", "--set", "http.port=0"}))
                .isTrue();
        Thread warmUp = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("servicekit-warm-up"))
                .findFirst()
                .orElse(null);
        assertThat(StartupWarmUp.begin(new String[] {"run"}))
                .as("a second begin")
                .isFalse();
        StartupWarmUp.awaitDone();
        assertThat(GlobalServiceRegistry.configured())
                .as("the registry, before awaitDone returns")
                .isTrue();
        assertThat(StartupWarmUp.runSteps()).startsWith("helidon", "management beans");
        StartupWarmUp.awaitNimbusDone();
        assertThat(StartupWarmUp.runSteps()).startsWith("helidon", "management beans", "token verification");
        StartupWarmUp.awaitFinished();

        assertThat(StartupWarmUp.runSteps())
                .containsExactly("helidon", "management beans", "token verification", "file mapping");
        assertThat(StartupWarmUp.failedSteps()).isEmpty();
        assertThat(GlobalServiceRegistry.configured()).isTrue();
        if (warmUp != null) { // null only when it had already finished
            assertThat(warmUp.isDaemon()).isTrue();
            assertThat(warmUp.isAlive()).isFalse();
        }
    }
}
