package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotTrainingMarkerTest {

    @TempDir
    Path dir;

    @Test
    void createsTheNamedFileOnceAndNothingWhenNoneIsNamed() {
        Path marker = dir.resolve("run-x.1.aotconf.running");

        assertThat(AotTrainingMarker.markRunning(Optional.of(marker.toString()), Optional.empty()))
                .contains(marker);
        assertThat(marker).exists().isEmptyFile();
        assertThat(AotTrainingMarker.markRunning(Optional.of(marker.toString()), Optional.empty()))
                .as("already there")
                .contains(marker);
        assertThat(AotTrainingMarker.markRunning(Optional.empty(), Optional.empty()))
                .isEmpty();
        assertThat(AotTrainingMarker.markRunning(Optional.of(" "), Optional.empty()))
                .isEmpty();
        assertThat(AotTrainingMarker.markRunning(
                        Optional.of(dir.resolve("no/such/dir/m").toString()), Optional.of("x")))
                .as("a directory that is gone: not created, no exception")
                .isEmpty();
    }

    @Test
    void aStartThatRecordsNothingCreatesTheFileTheRanPropertyNamesEmptyEvenAfterOneTimeWork() {
        Path ran = dir.resolve("run-x.ran");
        System.setProperty(AotTrainingMarker.RAN_PROPERTY, ran.toString());
        try {
            AotTrainingMarker.markRunning(Optional.of("2 schema migrations applied"));
        } finally {
            System.clearProperty(AotTrainingMarker.RAN_PROPERTY);
        }

        assertThat(ran)
                .as("the next start records: it will not migrate again")
                .exists()
                .isEmptyFile();
        assertThat(dir.resolve("run-x.1.aotconf.running")).doesNotExist();
    }

    @Test
    void aStartThatDidOneTimeWorkSaysSoInTheFileWhichIsOtherwiseEmpty() throws Exception {
        Path marker = dir.resolve("run-x.2.aotconf.running");

        assertThat(AotTrainingMarker.markRunning(
                        Optional.of(marker.toString()), Optional.of("2 schema migrations applied")))
                .contains(marker);

        assertThat(marker).hasContent("one-time work: 2 schema migrations applied");
    }
}
