package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/fuzzing.md: every fuzz target of this module has a committed seed corpus, in the directory Jazzer's JUnit
 * integration replays in regression mode ({@code src/test/resources/<package>/<Class>Inputs/<method>/}).
 */
class FuzzSeedCorpusTest {

    @Test
    void everyFuzzTargetHasACommittedSeedCorpus() throws IOException, URISyntaxException, ClassNotFoundException {
        List<Method> targets = fuzzTargets();
        assertThat(targets)
                .extracting(target -> target.getDeclaringClass().getSimpleName() + "#" + target.getName())
                .as("the fuzz targets of users-service")
                .contains("UserBodyFuzzTest#body", "CursorFuzzTest#decode", "CursorFuzzTest#roundTrip");
        for (Method target : targets) {
            Class<?> type = target.getDeclaringClass();
            Path inputs = Path.of("src", "test", "resources")
                    .resolve(type.getPackageName().replace('.', '/'))
                    .resolve(type.getSimpleName() + "Inputs")
                    .resolve(target.getName());
            assertThat(inputs)
                    .as("the seed corpus of %s#%s", type.getSimpleName(), target.getName())
                    .isDirectoryContaining(Files::isRegularFile);
        }
    }

    /** The {@link FuzzTest} methods of the compiled test classes of this module. */
    private static List<Method> fuzzTargets() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(FuzzSeedCorpusTest.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(classes)) {
            names = files.map(file -> classes.relativize(file).toString())
                    .filter(name -> name.endsWith(".class") && !name.contains("$"))
                    .map(name -> name.substring(0, name.length() - ".class".length())
                            .replace(java.io.File.separatorChar, '.'))
                    .sorted()
                    .toList();
        }
        List<Method> targets = new ArrayList<>();
        for (String name : names) {
            for (Method method : Class.forName(name, false, FuzzSeedCorpusTest.class.getClassLoader())
                    .getDeclaredMethods()) {
                if (method.isAnnotationPresent(FuzzTest.class)) {
                    targets.add(method);
                }
            }
        }
        return targets;
    }
}
