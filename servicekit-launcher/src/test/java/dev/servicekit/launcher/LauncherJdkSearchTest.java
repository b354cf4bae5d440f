package dev.servicekit.launcher;

import static dev.servicekit.launcher.FakeJavaHomes.jdk;
import static dev.servicekit.launcher.FakeJavaHomes.jre;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the launcher finds a Java 21+: release files, JAVA_HOME, PATH, the usual places and their override. */
class LauncherJdkSearchTest {

    @TempDir
    Path dir;

    private final Map<String, String> environment = new HashMap<>();

    private JavaRuntimeSearch search() {
        return new JavaRuntimeSearch(environment, Optional.empty(), false, dir.resolve("home"));
    }

    private JavaRuntimeSearch searchWithProperty(String jdkDirs) {
        return new JavaRuntimeSearch(environment, Optional.of(jdkDirs), false, dir.resolve("home"));
    }

    @ParameterizedTest
    @CsvSource({
        "1.8.0_402, 8",
        "11.0.22, 11",
        "17.0.15, 17",
        "21, 21",
        "21.0.5, 21",
        "25.0.3, 25",
        "22-ea, 22",
    })
    void readsTheFeatureReleaseFromTheReleaseFile(String javaVersion, int feature) {
        Path home = jdk(dir.resolve("jdk"), javaVersion);

        assertThat(JavaRuntime.at(home, false))
                .hasValueSatisfying(java -> assertThat(java.feature()).isEqualTo(feature));
    }

    @Test
    void aHomeWithoutReleaseFileIsNoJava() {
        Path home = FakeJavaHomes.runtime(dir.resolve("no-release"), null, true);

        assertThat(JavaRuntime.at(home, false)).isEmpty();
    }

    @Test
    void aReleaseFileWithoutJavaVersionOrWithNonsenseIsNoJava() {
        assertThat(JavaRuntime.at(
                        FakeJavaHomes.runtime(dir.resolve("a"), "JAVA_RUNTIME_VERSION=\"25\"\n", true), false))
                .isEmpty();
        assertThat(JavaRuntime.at(FakeJavaHomes.runtime(dir.resolve("b"), "JAVA_VERSION=\"latest\"\n", true), false))
                .isEmpty();
    }

    @Test
    void aHomeWithoutBinJavaIsNoJava() throws Exception {
        Path home = Files.createDirectories(dir.resolve("src-only"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"25.0.3\"\n");

        assertThat(JavaRuntime.at(home, false)).isEmpty();
    }

    @Test
    void theSpecificationVersionOfJava8AndOfNewerJavasParses() {
        assertThat(JavaRuntime.parseVersion("1.8"))
                .hasValueSatisfying(v -> assertThat(v[0]).isEqualTo(8));
        assertThat(JavaRuntime.parseVersion("17"))
                .hasValueSatisfying(v -> assertThat(v[0]).isEqualTo(17));
    }

    @Test
    void versionStringsParseToFeatureInterimAndUpdate() {
        Map<String, List<Integer>> expected = new java.util.LinkedHashMap<>();
        expected.put("25.0.3", List.of(25, 0, 3));
        expected.put("1.8.0_402", List.of(8, 0, 402));
        expected.put("21", List.of(21, 0, 0));
        expected.put("22-ea", List.of(22, 0, 0));
        expected.put("21.0.2+13-LTS", List.of(21, 0, 2));
        expected.put("17.0.15", List.of(17, 0, 15));
        expected.put("21.", List.of(21, 0, 0));
        expected.put("21.0.", List.of(21, 0, 0));
        for (Map.Entry<String, List<Integer>> e : expected.entrySet()) {
            assertThat(JavaRuntime.parseVersion(e.getKey()))
                    .as(e.getKey())
                    .hasValueSatisfying(v -> assertThat(v)
                            .containsExactly(e.getValue().stream()
                                    .mapToInt(Integer::intValue)
                                    .toArray()));
        }
        for (String nonsense : List.of("", "latest", "v21", "99999999999.0.1", "-21")) {
            assertThat(JavaRuntime.parseVersion(nonsense)).as(nonsense).isEmpty();
        }
    }

    @Test
    void choosesTheNewestJava21OrLaterInTheOverrideDirectories() {
        Path jdks = dir.resolve("jdks");
        jdk(jdks.resolve("jdk8"), "1.8.0_402");
        jdk(jdks.resolve("jdk-11"), "11.0.22");
        jdk(jdks.resolve("jdk-17"), "17.0.15");
        jdk(jdks.resolve("jdk-21"), "21.0.5");
        jdk(jdks.resolve("jdk-25"), "25.0.1");
        jdk(jdks.resolve("jdk-21.0.9"), "21.0.9");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());

        assertThat(search().find(21).map(JavaRuntime::home)).contains(jdks.resolve("jdk-25"));
    }

    @Test
    void amongOneFeatureReleaseTheLatestUpdateWins() {
        Path jdks = dir.resolve("jdks");
        jdk(jdks.resolve("a-21.0.9"), "21.0.9");
        jdk(jdks.resolve("b-21.0.10"), "21.0.10");
        jdk(jdks.resolve("c-21.0.2"), "21.0.2");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());

        assertThat(search().find(21).map(JavaRuntime::home)).contains(jdks.resolve("b-21.0.10"));
    }

    @Test
    void onlyJavasOlderThan21AreNoMatch() {
        Path jdks = dir.resolve("jdks");
        jdk(jdks.resolve("jdk8"), "1.8.0_402");
        jdk(jdks.resolve("jdk-17"), "17.0.15");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());

        assertThat(search().find(21)).isEmpty();
    }

    @Test
    void aRuntimeWithoutJavacIsEnoughToRun() {
        Path jdks = dir.resolve("jdks");
        jre(jdks.resolve("jre-21"), "21.0.5");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());

        assertThat(search().find(21))
                .hasValueSatisfying(java -> assertThat(java.hasCompiler()).isFalse());
    }

    @Test
    void severalOverrideDirectoriesAreSearchedTogether() {
        jdk(dir.resolve("one/jdk-21"), "21.0.5");
        jdk(dir.resolve("two/jdk-25"), "25.0.1");
        environment.put(
                "SERVICEKIT_JDK_DIRS", dir.resolve("one") + ":" + dir.resolve("missing") + ":" + dir.resolve("two"));

        assertThat(search().find(21).map(JavaRuntime::home)).contains(dir.resolve("two/jdk-25"));
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironmentVariable() {
        jdk(dir.resolve("from-variable/jdk-25"), "25.0.1");
        jdk(dir.resolve("from-property/jdk-21"), "21.0.5");
        environment.put("SERVICEKIT_JDK_DIRS", dir.resolve("from-variable").toString());

        assertThat(searchWithProperty(dir.resolve("from-property").toString())
                        .find(21)
                        .map(JavaRuntime::home))
                .contains(dir.resolve("from-property/jdk-21"));
    }

    @Test
    void aMacOsBundleCountsThroughItsContentsHome() {
        Path jdks = dir.resolve("JavaVirtualMachines");
        jdk(jdks.resolve("temurin-25.jdk/Contents/Home"), "25.0.1");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());

        assertThat(search().find(21).map(JavaRuntime::home)).contains(jdks.resolve("temurin-25.jdk/Contents/Home"));
    }

    @Test
    void aJavaHomeOf21OrLaterIsTakenBeforeANewerOneInThePlaces() {
        Path jdks = dir.resolve("jdks");
        jdk(jdks.resolve("jdk-25"), "25.0.1");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());
        environment.put("JAVA_HOME", jdk(dir.resolve("chosen-21"), "21.0.5").toString());

        assertThat(search().find(21).map(JavaRuntime::home)).contains(dir.resolve("chosen-21"));
    }

    @Test
    void anOlderJavaHomeIsPassedOver() {
        Path jdks = dir.resolve("jdks");
        jdk(jdks.resolve("jdk-25"), "25.0.1");
        environment.put("SERVICEKIT_JDK_DIRS", jdks.toString());
        environment.put("JAVA_HOME", jdk(dir.resolve("old-17"), "17.0.15").toString());

        assertThat(search().find(21).map(JavaRuntime::home)).contains(jdks.resolve("jdk-25"));
    }

    @Test
    void theJavaOnPathCountsThroughItsSymbolicLinks() throws Exception {
        Path home = jdk(dir.resolve("jdk-22"), "22.0.2");
        Path bin = Files.createDirectories(dir.resolve("usr-bin"));
        Files.createSymbolicLink(bin.resolve("java"), home.resolve("bin/java"));
        environment.put("PATH", dir.resolve("nothing-here") + ":" + bin);
        environment.put(
                "SERVICEKIT_JDK_DIRS",
                Files.createDirectories(dir.resolve("empty")).toString());

        assertThat(search().find(21).map(JavaRuntime::home)).contains(home.toRealPath());
    }

    @Test
    void anEmptyOverrideDirectoryFindsNothing() throws Exception {
        environment.put(
                "SERVICEKIT_JDK_DIRS",
                Files.createDirectories(dir.resolve("empty")).toString());

        assertThat(search().find(21)).isEmpty();
    }

    @Test
    void theUsualPlacesOnLinuxAndMacOs() {
        assertThat(search().places())
                .extracting(Object::toString)
                .containsExactly(
                        "/usr/lib/jvm/*",
                        "/usr/java/*",
                        "/usr/local/lib/jvm/*",
                        "/opt/java/*",
                        "/opt/jdk*",
                        dir.resolve("home/.sdkman/candidates/java/*").toString(),
                        dir.resolve("home/.jdks/*").toString(),
                        "/Library/Java/JavaVirtualMachines/*");
        assertThat(search().placesDescription()).isEqualTo("the usual places");
    }

    @Test
    void theUsualPlacesOnWindowsAreUnderProgramFiles() {
        environment.put("ProgramFiles", "D:\\Programs");
        JavaRuntimeSearch windows = new JavaRuntimeSearch(environment, Optional.empty(), true, Paths.get("home"));

        assertThat(windows.places())
                .extracting(p -> p.directory.toString(), p -> p.prefix)
                .containsExactly(
                        tuple(Paths.get("D:\\Programs").resolve("Java").toString(), ""),
                        tuple(
                                Paths.get("D:\\Programs")
                                        .resolve("Eclipse Adoptium")
                                        .toString(),
                                ""),
                        tuple(Paths.get("D:\\Programs").resolve("Microsoft").toString(), "jdk-"),
                        tuple(Paths.get("D:\\Programs").resolve("Zulu").toString(), ""),
                        tuple(Paths.get("home", ".jdks").toString(), ""));
    }

    @Test
    void whenNoneQualifiesTheMessageIsOneLineSayingWhatRunsItAndWhatToInstall() {
        environment.put("SERVICEKIT_JDK_DIRS", "/nowhere");
        String message = Launcher.noJavaMessage(
                "users-service",
                17,
                Paths.get("/usr/lib/jvm/java-17-openjdk-amd64"),
                search().placesDescription(),
                false);

        assertThat(message)
                .doesNotContain("\n")
                .isEqualTo("users-service: running needs Java 21 or newer; this is Java 17"
                        + " (/usr/lib/jvm/java-17-openjdk-amd64) and JAVA_HOME, PATH and SERVICEKIT_JDK_DIRS (/nowhere) have none."
                        + " Install one (Debian/Ubuntu: apt-get install openjdk-21-jre-headless; elsewhere: https://adoptium.net)"
                        + " or set JAVA_HOME to it.");
    }

    @Test
    void onWindowsTheMessageSuggestsWinget() {
        String message = Launcher.noJavaMessage("users-service", 8, Paths.get("C:\\jre8"), "the usual places", true);

        assertThat(message)
                .contains("this is Java 8")
                .contains("winget install EclipseAdoptium.Temurin.21.JRE")
                .contains("the usual places have none");
    }
}
