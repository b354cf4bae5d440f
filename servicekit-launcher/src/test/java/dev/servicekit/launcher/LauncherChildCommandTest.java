package dev.servicekit.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The child JVM's command line, and the real main run in this JVM (the tests run on Java 21+). */
class LauncherChildCommandTest {

    private final Map<String, String> environment = new HashMap<>();
    private final Attributes manifest = new Attributes();

    private List<String> command(int runningFeature, List<String> inputArguments, String... args) {
        return Launcher.childCommand(
                Paths.get("/jdk-25/bin/java"),
                inputArguments,
                environment,
                runningFeature,
                manifest,
                "/srv/app.jar",
                "com.example.Main",
                args);
    }

    @Test
    void theChildGetsThisJvmsOptionsTheJarTheRealMainAndTheArguments() {
        assertThat(command(17, List.of("-Xmx128m", "-Dx=1"), "run", "--set", "http.port=0"))
                .containsExactly(
                        "/jdk-25/bin/java",
                        "-Xmx128m",
                        "-Dx=1",
                        "-cp",
                        "/srv/app.jar",
                        "com.example.Main",
                        "run",
                        "--set",
                        "http.port=0");
    }

    @Test
    void manifestOptionsThatOnlyJavaDashJarReadsBecomeCommandLineOptions() {
        manifest.putValue("Enable-Native-Access", "ALL-UNNAMED");
        manifest.putValue("Add-Opens", "java.base/java.lang java.base/java.io");
        manifest.putValue("Add-Exports", "java.base/sun.nio.ch");

        assertThat(command(17, List.of()))
                .containsExactly(
                        "/jdk-25/bin/java",
                        "--enable-native-access=ALL-UNNAMED",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--add-opens=java.base/java.io=ALL-UNNAMED",
                        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                        "-cp",
                        "/srv/app.jar",
                        "com.example.Main");
    }

    @Test
    void optionsFromJavaToolOptionsAndJdkJavaOptionsAreNotPassedTwice() {
        environment.put("JAVA_TOOL_OPTIONS", "-Dtool=1");
        environment.put("JDK_JAVA_OPTIONS", " -Dlauncher=1  -Xss1m ");

        assertThat(command(17, List.of("-Dtool=1", "-Dlauncher=1", "-Xss1m", "-Dmine=1")))
                .containsExactly("/jdk-25/bin/java", "-Dmine=1", "-cp", "/srv/app.jar", "com.example.Main");
    }

    @Test
    void java8DoesNotReadJdkJavaOptionsSoTheSameOptionsOnItsCommandLineStay() {
        environment.put("JDK_JAVA_OPTIONS", "-Dlauncher=1");

        assertThat(command(8, List.of("-Dlauncher=1"))).contains("-Dlauncher=1");
    }

    @Test
    void theApplicationIsNamedByImplementationTitle() {
        assertThat(Launcher.applicationName(manifest)).isEqualTo("servicekit");
        manifest.put(Attributes.Name.IMPLEMENTATION_TITLE, "users-service");
        assertThat(Launcher.applicationName(manifest)).isEqualTo("users-service");
    }

    @Test
    void onJava21OrLaterTheRealMainRunsInThisJvmOnThisThread() throws Throwable {
        System.setProperty(Launcher.MAIN_CLASS_PROPERTY, RecordingMain.class.getName());

        Launcher.main(new String[] {"version", "--json"});

        assertThat(RecordingMain.calls).containsExactly(Thread.currentThread().getName() + " [version, --json]");
    }

    @Test
    void whatTheRealMainThrowsComesOutUnwrapped() {
        System.setProperty(Launcher.MAIN_CLASS_PROPERTY, ThrowingMain.class.getName());

        assertThatThrownBy(() -> Launcher.main(new String[0]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("from the real main");
    }

    @AfterEach
    void clearMainClass() {
        System.clearProperty(Launcher.MAIN_CLASS_PROPERTY);
        RecordingMain.calls.clear();
    }

    /** A real main that records how it was called. */
    public static final class RecordingMain {
        static final List<String> calls = new ArrayList<>();

        private RecordingMain() {}

        /** Records the thread and the arguments. */
        public static void main(String[] args) {
            calls.add(Thread.currentThread().getName() + " " + List.of(args));
        }
    }

    /** A real main that fails. */
    public static final class ThrowingMain {
        private ThrowingMain() {}

        /** Throws. */
        public static void main(String[] args) {
            throw new IllegalStateException("from the real main");
        }
    }
}
