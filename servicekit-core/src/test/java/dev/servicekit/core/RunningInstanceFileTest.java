package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file a running service keeps in its data directory: a live writer is told from a dead one or a reused pid. */
class RunningInstanceFileTest {

    @TempDir
    Path dir;

    private RunningInstanceFile file(long pid, String processStart) throws Exception {
        RunningInstanceFile file = RunningInstanceFile.in(dir, "demo");
        Files.writeString(
                file.file(),
                "{\"pid\":" + pid + ",\"processStart\":" + processStart + ",\"state\":\"RUNNING\","
                        + "\"endpoints\":{\"management\":\"http://127.0.0.1:9090\"}}");
        return file;
    }

    @Test
    void thisProcessWithItsOwnStartTimeIsAlive() throws Exception {
        String start = ProcessHandle.current()
                .info()
                .startInstant()
                .map(i -> "\"" + i + "\"")
                .orElse("null");

        RunningInstanceFile.Found found =
                file(ProcessHandle.current().pid(), start).read().orElseThrow();

        assertThat(found.alive()).isTrue();
        assertThat(found.state()).isEqualTo("RUNNING");
        assertThat(found.management())
                .hasValueSatisfying(uri -> assertThat(uri.getPort()).isEqualTo(9090));
    }

    @Test
    void aPidReusedByAProcessStartedAtAnotherTimeIsNotAlive() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                ProcessHandle.current().info().startInstant().isPresent(), "no process start times here");

        RunningInstanceFile.Found found = file(
                        ProcessHandle.current().pid(), "\"" + Instant.parse("2001-01-01T00:00:00Z") + "\"")
                .read()
                .orElseThrow();

        assertThat(found.alive()).isFalse();
    }

    @Test
    void aGoneProcessIsNotAliveAndAGarbledFileIsNotRead() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();

        assertThat(file(gone.pid(), "null").read().orElseThrow().alive()).isFalse();
        Files.writeString(dir.resolve("demo.running.json"), "not json");
        assertThat(RunningInstanceFile.in(dir, "demo").read()).isEmpty();
    }
}
