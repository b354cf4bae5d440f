package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code ./mvnw} (through .mvn/select-jdk.sh) on a machine whose default java is older than 21:
 * it finds a JDK 21+ without JAVA_HOME, or stops with one line saying what to install.
 */
class MavenWrapperJdkSelectionIT {

    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void withNoJdk21AnywhereMvnwFailsAtOnceWithOneLineNamingJdk21() throws Exception {
        JavaRuntime old = olderJdk();
        Path empty = Files.createDirectories(dir.resolve("no-jdks"));

        Result result = mvnw(
                Map.of("PATH", old.home().resolve("bin") + ":/usr/bin:/bin", "SERVICEKIT_JDK_DIRS", empty.toString()),
                "--version");

        assertThat(result.exitCode).as(result.toString()).isEqualTo(1);
        assertThat(result.stdout).as(result.toString()).isEmpty();
        assertThat(result.stderr.lines())
                .as(result.toString())
                .singleElement(as(STRING))
                .startsWith("servicekit: building needs JDK 21 or newer; found only Java " + old.feature() + " (")
                .contains("apt-get install openjdk-21-jdk-headless")
                .endsWith("or set JAVA_HOME to it.");
    }

    @Test
    void withAnOlderJavaOnPathAndNoJavaHomeMvnwRunsMavenOnAJdk21FromTheJdkDirectories() throws Exception {
        JavaRuntime old = olderJdk();
        assumeWrapperHasMaven();
        // The JDK running this test is 21+ (it runs in Maven's JVM, which the enforcer holds to 21+).
        Path jdks = Path.of(System.getProperty("java.home")).toRealPath().getParent();

        Result result = mvnw(
                Map.of("PATH", old.home().resolve("bin") + ":/usr/bin:/bin", "SERVICEKIT_JDK_DIRS", jdks.toString()),
                "--version");

        assertThat(result.exitCode).as(result.toString()).isZero();
        Matcher version = Pattern.compile("Java version: (\\d+)").matcher(result.stdout);
        assertThat(version.find()).as(result.toString()).isTrue();
        assertThat(Integer.parseInt(version.group(1))).isGreaterThanOrEqualTo(21);
        assertThat(result.stderr).as("quiet when no JAVA_HOME was passed over").isEmpty();
    }

    @Test
    void anOlderJavaHomeIsPassedOverWithOneLineSayingSo() throws Exception {
        JavaRuntime old = olderJdk();
        assumeWrapperHasMaven();
        Path jdks = Path.of(System.getProperty("java.home")).toRealPath().getParent();

        Result result = mvnw(
                Map.of(
                        "PATH",
                        old.home().resolve("bin") + ":/usr/bin:/bin",
                        "JAVA_HOME",
                        old.home().toString(),
                        "SERVICEKIT_JDK_DIRS",
                        jdks.toString()),
                "--version");

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.stderr.lines())
                .as(result.toString())
                .singleElement(as(STRING))
                .startsWith("servicekit: JAVA_HOME (" + old.home() + ") is not a JDK 21 or newer; building with ");
    }

    /** The newest JDK older than 21 under /usr/lib/jvm (Debian's default java lives there). */
    static JavaRuntime olderJdk() {
        Optional<JavaRuntime> old = new JavaRuntimeSearch(
                        Map.of(), Optional.of("/usr/lib/jvm"), false, Path.of("/nonexistent"))
                .inPlaces().stream()
                        .filter(java -> java.feature() < 21 && java.hasCompiler())
                        .max(Comparator.naturalOrder());
        Assumptions.assumeTrue(
                old.isPresent(),
                "this test needs a JDK older than 21 under /usr/lib/jvm (the machine CI "
                        + "runs on has Debian's openjdk-17-jdk-headless); there is none here");
        return old.get();
    }

    /** The wrapper would download Maven if it had not yet; a test must not. Any earlier ./mvnw run has. */
    static void assumeWrapperHasMaven() throws IOException {
        Properties wrapper = new Properties();
        try (Reader in = Files.newBufferedReader(REPOSITORY.resolve(".mvn/wrapper/maven-wrapper.properties"))) {
            wrapper.load(in);
        }
        String url = wrapper.getProperty("distributionUrl");
        String name = url.substring(url.lastIndexOf('/') + 1)
                .replaceAll("\\.zip$", "")
                .replaceAll("-bin$", "");
        String userHome = Optional.ofNullable(System.getenv("MAVEN_USER_HOME"))
                .orElse(Path.of(System.getProperty("user.home"), ".m2").toString());
        // mvnw names the directory after Java's String.hashCode of the URL, in hex.
        Path mavenHome = Path.of(userHome, "wrapper", "dists", name, Integer.toHexString(url.hashCode()));
        Assumptions.assumeTrue(
                Files.isDirectory(mavenHome),
                "the Maven wrapper has not installed Maven in " + mavenHome
                        + " yet (run ./mvnw once); this test does not download it");
    }

    private Result mvnw(Map<String, String> environment, String... args) throws Exception {
        ProcessBuilder builder = new ProcessBuilder();
        builder.command().add("sh");
        builder.command().add(REPOSITORY.resolve("mvnw").toString());
        builder.command().addAll(List.of(args));
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("MAVEN_OPTS");
        builder.environment().remove("MVNW_VERBOSE");
        builder.environment().putAll(environment);
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = builder.directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            assertThat(process.waitFor(120, TimeUnit.SECONDS))
                    .as("mvnw finished within 2 minutes")
                    .isTrue();
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Result(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String stdout, String stderr) {}
}
