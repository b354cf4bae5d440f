package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExistingPathsTest {

    @TempDir
    Path dir;

    @Test
    void anExistingPathIsItsOwnNearest() {
        assertThat(ExistingPaths.nearestAncestorOrSelf(dir)).contains(dir.toAbsolutePath());
    }

    @Test
    void aMissingPathLeadsToItsNearestExistingAncestorHoweverDeep() {
        assertThat(ExistingPaths.nearestAncestorOrSelf(
                        dir.resolve("a").resolve("b").resolve("c")))
                .contains(dir.toAbsolutePath());
    }

    @Test
    void aFileInTheWayIsWhatIsFoundSoTheCallerCanNameIt() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "in the way");

        assertThat(ExistingPaths.nearestAncestorOrSelf(file.resolve("backups"))).contains(file.toAbsolutePath());
    }

    @Test
    void theFileInTheWayIsTheFileAtThePathOrAboveIt() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "in the way");

        assertThat(ExistingPaths.fileInTheWay(file)).contains(file.toAbsolutePath());
        assertThat(ExistingPaths.fileInTheWay(file.resolve("a").resolve("b"))).contains(file.toAbsolutePath());
    }

    @Test
    void nothingIsInTheWayOfADirectoryOrOfAPathUnderOne() {
        assertThat(ExistingPaths.fileInTheWay(dir)).isEmpty();
        assertThat(ExistingPaths.fileInTheWay(dir.resolve("a").resolve("b"))).isEmpty();
    }

    @Test
    void aRelativePathIsLookedUpFromTheWorkingDirectory() {
        assertThat(ExistingPaths.nearestAncestorOrSelf(Path.of("no-such-dir-" + System.nanoTime(), "x")))
                .contains(Path.of("").toAbsolutePath());
    }
}
