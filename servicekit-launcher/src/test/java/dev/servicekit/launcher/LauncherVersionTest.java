package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.jar.Attributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code version} answered by the launcher from the manifest and a {@code release} file (the tests run on Java 21+;
 * users-service's LauncherVersionIT compares the line with the application's own, from an older Java too).
 */
class LauncherVersionTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @Test
    void onlyAPlainVersionDashDashVersionOrDashVIsAnswered() {
        assertThat(Launcher.asksForTheVersion(new String[] {"version"})).isTrue();
        assertThat(Launcher.asksForTheVersion(new String[] {"--version"})).isTrue();
        assertThat(Launcher.asksForTheVersion(new String[] {"-V"})).isTrue();
        assertThat(Launcher.asksForTheVersion(new String[0])).isFalse();
        assertThat(Launcher.asksForTheVersion(new String[] {"version", "--json"}))
                .isFalse();
        assertThat(Launcher.asksForTheVersion(new String[] {"version", "--jvm-options"}))
                .isFalse();
        assertThat(Launcher.asksForTheVersion(new String[] {"run", "--version"}))
                .isFalse();
        assertThat(Launcher.asksForTheVersion(new String[] {"Version"})).isFalse();
    }

    @Test
    void onJava21OrLaterTheLineNamesThisJvmAsRuntimeVersionPrintsIt() {
        Attributes manifest = new Attributes();
        manifest.putValue(Launcher.VERSION_ATTRIBUTE, "demo-service 1.2.3");

        assertThat(Launcher.answerVersion(manifest, out)).isTrue();

        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("demo-service 1.2.3 (Java " + Runtime.version() + ", " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch") + ")" + System.lineSeparator());
    }

    @Test
    void withoutTheManifestAttributeTheApplicationAnswersAndNothingIsPrinted() {
        Attributes manifest = new Attributes();
        manifest.put(Attributes.Name.IMPLEMENTATION_TITLE, "demo-service");
        manifest.put(Attributes.Name.IMPLEMENTATION_VERSION, "1.2.3");

        assertThat(Launcher.answerVersion(manifest, out)).isFalse();
        manifest.putValue(Launcher.VERSION_ATTRIBUTE, " ");
        assertThat(Launcher.answerVersion(manifest, out)).isFalse();

        assertThat(bytes.size()).isZero();
    }

    @Test
    void theReleaseFileSpeaksForAJvmOfTheSameSystemAndArchitectureOnly() {
        JavaRuntime java = JavaRuntime.at(
                        FakeJavaHomes.runtime(
                                dir.resolve("jdk-25"),
                                "JAVA_VERSION=\"25.0.1\"\nJAVA_RUNTIME_VERSION=\"25.0.1+8-LTS\"\nOS_ARCH=\"x86_64\"\n",
                                true),
                        false)
                .orElseThrow();

        assertThat(java.runtimeVersionSeenFrom("Linux", "amd64")).contains("25.0.1+8-LTS");
        assertThat(java.runtimeVersionSeenFrom("Linux", "x86_64")).contains("25.0.1+8-LTS");
        assertThat(java.runtimeVersionSeenFrom("Linux", "x86"))
                .as("a 32-bit JVM")
                .isEmpty();
        assertThat(java.runtimeVersionSeenFrom("Linux", "aarch64")).isEmpty();
        assertThat(java.runtimeVersionSeenFrom("Windows 11", "amd64"))
                .as("os.name of another system")
                .isEmpty();
    }

    @Test
    void aReleaseFileWithoutTheRuntimeVersionOrTheArchitectureSpeaksForNoJvm() {
        JavaRuntime noRuntimeVersion = JavaRuntime.at(
                        FakeJavaHomes.runtime(
                                dir.resolve("old-build"), "JAVA_VERSION=\"21.0.2\"\nOS_ARCH=\"x86_64\"\n", true),
                        false)
                .orElseThrow();
        JavaRuntime noArch = JavaRuntime.at(
                        FakeJavaHomes.runtime(
                                dir.resolve("no-arch"),
                                "JAVA_VERSION=\"21.0.2\"\nJAVA_RUNTIME_VERSION=\"21.0.2+13\"\n",
                                true),
                        false)
                .orElseThrow();

        assertThat(noRuntimeVersion.runtimeVersionSeenFrom("Linux", "amd64")).isEmpty();
        assertThat(noArch.runtimeVersionSeenFrom("Linux", "amd64")).isEmpty();
    }

    @Test
    void theLineIsTheApplicationsVersionLine() {
        assertThat(Launcher.versionLine("users-service 0.1.0", "25.0.3+9-LTS", "Linux", "amd64"))
                .isEqualTo("users-service 0.1.0 (Java 25.0.3+9-LTS, Linux amd64)");
    }
}
