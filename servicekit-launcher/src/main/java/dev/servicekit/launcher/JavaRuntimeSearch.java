package dev.servicekit.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds a Java {@value Launcher#REQUIRED_FEATURE}+ the way {@code .mvn/select-jdk.sh} finds a JDK for the build:
 * {@code JAVA_HOME} if it is one; else the {@code java} on {@code PATH} if it is; else the newest in the usual
 * places. {@code -Dservicekit.jdk-dirs} or else {@code SERVICEKIT_JDK_DIRS} (directories whose children are Java
 * homes, separated by {@link File#pathSeparator}) replaces the usual places. A runtime without {@code javac}
 * is enough to run. Pure apart from reading directories and {@code release} files.
 */
final class JavaRuntimeSearch {

    private final Map<String, String> environment;
    private final Optional<String> jdkDirsProperty;
    private final boolean windows;
    private final Path userHome;

    /** A place to look: the children of {@code directory} whose names start with {@code prefix}. */
    static final class Place {
        final Path directory;
        final String prefix;

        Place(Path directory, String prefix) {
            this.directory = directory;
            this.prefix = prefix;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Place && ((Place) o).directory.equals(directory) && ((Place) o).prefix.equals(prefix);
        }

        @Override
        public int hashCode() {
            return Objects.hash(directory, prefix);
        }

        @Override
        public String toString() {
            return directory.resolve(prefix + "*").toString();
        }
    }

    JavaRuntimeSearch(
            Map<String, String> environment, Optional<String> jdkDirsProperty, boolean windows, Path userHome) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.jdkDirsProperty = Objects.requireNonNull(jdkDirsProperty, "jdkDirsProperty");
        this.windows = windows;
        this.userHome = Objects.requireNonNull(userHome, "userHome");
    }

    /** The search this process would do: its environment, system properties and operating system. */
    static JavaRuntimeSearch ofThisProcess() {
        return new JavaRuntimeSearch(
                System.getenv(),
                Optional.ofNullable(System.getProperty(Launcher.JDK_DIRS_PROPERTY)),
                System.getProperty("os.name", "").startsWith("Windows"),
                Paths.get(System.getProperty("user.home", ".")));
    }

    boolean windows() {
        return windows;
    }

    /** The Java {@code minimumFeature}+ to use, or empty when there is none. */
    Optional<JavaRuntime> find(int minimumFeature) {
        // No lambdas on this path: `version` answered by the launcher (Launcher#answerVersion) comes here, and the
        // first lambda of a JVM costs milliseconds.
        Optional<Path> javaHomePath = environmentPath("JAVA_HOME");
        Optional<JavaRuntime> javaHome =
                javaHomePath.isPresent() ? JavaRuntime.at(javaHomePath.get(), windows) : Optional.<JavaRuntime>empty();
        if (javaHome.isPresent() && javaHome.get().feature() >= minimumFeature) {
            return javaHome;
        }
        Optional<JavaRuntime> onPath = javaOnPath();
        if (onPath.isPresent() && onPath.get().feature() >= minimumFeature) {
            return onPath;
        }
        JavaRuntime best = null;
        for (JavaRuntime candidate : inPlaces()) {
            if (candidate.feature() >= minimumFeature && (best == null || candidate.compareTo(best) > 0)) {
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Where {@link #find} looks after JAVA_HOME and PATH: the override, or the usual places of this platform. */
    List<Place> places() {
        Optional<String> override = jdkDirsOverride();
        List<Place> places = new ArrayList<>();
        if (override.isPresent()) {
            for (String dir : override.get().split(windows ? ";" : ":")) {
                Optional<Path> path = dir.trim().isEmpty() ? Optional.<Path>empty() : path(dir.trim());
                if (path.isPresent()) {
                    places.add(new Place(path.get(), ""));
                }
            }
            return places;
        }
        if (windows) {
            Path programFiles = environmentPath("ProgramFiles").orElse(Paths.get("C:\\Program Files"));
            places.add(new Place(programFiles.resolve("Java"), ""));
            places.add(new Place(programFiles.resolve("Eclipse Adoptium"), ""));
            places.add(new Place(programFiles.resolve("Microsoft"), "jdk-"));
            places.add(new Place(programFiles.resolve("Zulu"), ""));
            places.add(new Place(userHome.resolve(".jdks"), ""));
            return places;
        }
        places.add(new Place(Paths.get("/usr/lib/jvm"), ""));
        places.add(new Place(Paths.get("/usr/java"), ""));
        places.add(new Place(Paths.get("/usr/local/lib/jvm"), ""));
        places.add(new Place(Paths.get("/opt/java"), ""));
        places.add(new Place(Paths.get("/opt"), "jdk"));
        places.add(new Place(userHome.resolve(".sdkman/candidates/java"), ""));
        places.add(new Place(userHome.resolve(".jdks"), ""));
        places.add(new Place(Paths.get("/Library/Java/JavaVirtualMachines"), ""));
        return places;
    }

    /** For messages: "the usual places" or the override that replaced them. */
    String placesDescription() {
        Optional<String> property = jdkDirsProperty.filter(s -> !s.trim().isEmpty());
        if (property.isPresent()) {
            return "-D" + Launcher.JDK_DIRS_PROPERTY + " (" + property.get() + ")";
        }
        Optional<String> variable = Optional.ofNullable(environment.get(Launcher.JDK_DIRS_ENVIRONMENT))
                .filter(s -> !s.trim().isEmpty());
        return variable.map(v -> Launcher.JDK_DIRS_ENVIRONMENT + " (" + v + ")").orElse("the usual places");
    }

    /** Every Java in {@link #places()}, in directory order; a macOS bundle counts through its {@code Contents/Home}. */
    List<JavaRuntime> inPlaces() {
        List<JavaRuntime> found = new ArrayList<>();
        for (Place place : places()) {
            for (Path child : children(place)) {
                Path bundleHome = child.resolve("Contents").resolve("Home");
                Optional<JavaRuntime> java =
                        JavaRuntime.at(Files.isDirectory(bundleHome) ? bundleHome : child, windows);
                if (java.isPresent()) {
                    found.add(java.get());
                }
            }
        }
        return found;
    }

    /** The installation of the first {@code java} on PATH, through symbolic links (/usr/bin/java → /etc/alternatives/…). */
    Optional<JavaRuntime> javaOnPath() {
        String path = environment.get(pathVariableName());
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(windows ? ";" : ":")) {
            Optional<Path> bin = path(dir.trim());
            if (!bin.isPresent()) {
                continue;
            }
            Path java = bin.get().resolve(windows ? "java.exe" : "java");
            if (Files.isRegularFile(java) && Files.isExecutable(java)) {
                try {
                    Path parent = java.toRealPath().getParent();
                    Path home = parent == null ? null : parent.getParent();
                    return home == null ? Optional.<JavaRuntime>empty() : JavaRuntime.at(home, windows);
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private Optional<String> jdkDirsOverride() {
        if (jdkDirsProperty.isPresent() && !jdkDirsProperty.get().trim().isEmpty()) {
            return jdkDirsProperty;
        }
        String variable = environment.get(Launcher.JDK_DIRS_ENVIRONMENT);
        return variable == null || variable.trim().isEmpty() ? Optional.<String>empty() : Optional.of(variable);
    }

    /** Windows spells it Path (System.getenv() there ignores case; a test's map does not). */
    private String pathVariableName() {
        for (String name : environment.keySet()) {
            if (name.equalsIgnoreCase("PATH")) {
                return name;
            }
        }
        return "PATH";
    }

    private Optional<Path> environmentPath(String name) {
        String value = environment.get(name);
        return value == null || value.trim().isEmpty() ? Optional.<Path>empty() : path(value.trim());
    }

    private static Optional<Path> path(String text) {
        try {
            return Optional.of(Paths.get(text));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static List<Path> children(Place place) {
        if (!Files.isDirectory(place.directory)) {
            return Collections.emptyList();
        }
        // java.io.File#list, not a DirectoryStream with a glob: those load classes (and compile a regular
        // expression) that `version` answered by the launcher (Launcher#answerVersion) has no time for.
        List<Path> children = new ArrayList<>();
        String[] names;
        try {
            names = place.directory.toFile().list();
        } catch (RuntimeException e) {
            names = null;
        }
        if (names == null) {
            return children; // an unreadable place holds nothing we can use
        }
        for (String name : names) {
            if (name.startsWith(place.prefix)) {
                Path child = place.directory.resolve(name);
                if (Files.isDirectory(child)) {
                    children.add(child);
                }
            }
        }
        Collections.sort(children);
        return children;
    }
}
