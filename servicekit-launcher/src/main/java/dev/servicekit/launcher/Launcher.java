package dev.servicekit.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The {@code Main-Class} of an application jar that needs Java {@value #REQUIRED_FEATURE}, written so that any
 * {@code java} can load it (it is compiled for Java 8), so that {@code java -jar app.jar} works, or fails
 * with one line that says what to install, whatever the machine's default {@code java} is.
 *
 * <ol>
 *   <li>The real main class is the system property {@value #MAIN_CLASS_PROPERTY}, else the manifest attribute
 *       {@value #MAIN_CLASS_ATTRIBUTE} of the jar this class is in.</li>
 *   <li>On Java {@value #REQUIRED_FEATURE}+ it calls the real {@code main} in this JVM, on this thread; what it
 *       costs is reading the manifest once. Except for {@value #RUN_VERB}, and {@value #STATUS_VERB} on a JDK
 *       {@value AotCache#MIN_FEATURE}+, on Linux (see {@link #restartsWithShippedOptions}): this process becomes
 *       ({@code execve}) the same {@code java} with the shipped options and the verb's AOT cache or class-data
 *       archive (as below), unless this JVM has them already
 *       ({@code -D}{@value #JVM_OPTIONS_PROPERTY}, which the shipped options set and {@code install} writes), was
 *       given an archive of its own, or {@value #STARTUP_CACHE_PROPERTY} or {@value #EXEC_PROPERTY} is
 *       {@code false}. Should {@code execve} fail, the real {@code main} runs in this JVM as it is.</li>
 *   <li>On an older Java it looks for a Java {@value #REQUIRED_FEATURE}+ the way {@code ./mvnw} looks for a JDK:
 *       {@code JAVA_HOME}, the {@code java} on {@code PATH}, then the usual places ({@code /usr/lib/jvm/*},
 *       {@code /usr/java/*}, {@code /usr/local/lib/jvm/*}, {@code /opt/java/*}, {@code /opt/jdk*}, SDKMAN,
 *       {@code ~/.jdks}, {@code /Library/Java/JavaVirtualMachines}; on Windows under {@code %ProgramFiles%}),
 *       newest first. {@code -D}{@value #JDK_DIRS_PROPERTY} or the environment variable
 *       {@value #JDK_DIRS_ENVIRONMENT} (directories whose children are Java homes) replaces the usual places.
 *       The version is read from each installation's {@code release} file.</li>
 *   <li>It runs {@code <that home>/bin/java <shipped options> <this JVM's options> -cp <this jar> <real main>
 *       <arguments>} (the shipped options are the manifest's {@value #JVM_OPTIONS_ATTRIBUTE} and a class-data archive
 *       per verb in the user's cache directory, see {@link #startupOptions}); the manifest's
 *       {@code Enable-Native-Access}, {@code Add-Opens} and {@code Add-Exports}, which only {@code -jar} reads,
 *       become the matching options. On Linux this process becomes that JVM ({@code execve} through the
 *       launcher's own JNI library, else JNA, see {@code ExecInPlace}): same pid, same standard streams, no
 *       launcher left resident; the exit code, signals and {@code kill -9} are the service's own.</li>
 *   <li>Where that is not possible (another system, neither library loads, {@code execve} failed, or
 *       {@code -D}{@value #EXEC_PROPERTY}{@code =false}) it starts that command as a child process with the
 *       standard streams inherited. While the child runs, SIGTERM to this process is passed on (graceful stop),
 *       SIGHUP too (reload; not on Java 8, which prints a note instead), and SIGINT is ignored (a terminal's
 *       Ctrl+C reaches the child by itself). It exits with the child's exit code.</li>
 *   <li>A plain {@code version}, {@code --version} or {@code -V} of a jar whose manifest has
 *       {@value #VERSION_ATTRIBUTE} is answered by the launcher itself, the same line the application prints, naming
 *       the Java the application would run on, without starting it or another JVM ({@link #answerVersion}).</li>
 *   <li>When there is none it prints one line on stderr, naming the application ({@code Implementation-Title}),
 *       the Java that ran it and what to install, and exits with 1.</li>
 * </ol>
 *
 * Wiring, in the application's {@code pom.xml} (shade plugin):
 * <pre>{@code
 * <transformer implementation="org.apache.maven.plugins.shade.resource.ManifestResourceTransformer">
 *   <mainClass>dev.servicekit.launcher.Launcher</mainClass>
 *   <manifestEntries>
 *     <Servicekit-Main-Class>com.example.HelloMain</Servicekit-Main-Class>
 *   </manifestEntries>
 * </transformer>
 * }</pre>
 */
public final class Launcher {

    /** The Java feature release the application needs: {@value}. */
    public static final int REQUIRED_FEATURE = 21;

    /** Manifest attribute naming the real main class: {@value}. */
    public static final String MAIN_CLASS_ATTRIBUTE = "Servicekit-Main-Class";

    /** System property naming the real main class; wins over {@link #MAIN_CLASS_ATTRIBUTE}: {@value}. */
    public static final String MAIN_CLASS_PROPERTY = "servicekit.main-class";

    /** Environment variable whose directories replace the usual places to look for a Java: {@value}. */
    public static final String JDK_DIRS_ENVIRONMENT = "SERVICEKIT_JDK_DIRS";

    /** System property that does the same and wins over {@link #JDK_DIRS_ENVIRONMENT}: {@value}. */
    public static final String JDK_DIRS_PROPERTY = "servicekit.jdk-dirs";

    /**
     * Manifest attribute with the JVM options (space-separated) that a child JVM gets before this JVM's own: the
     * application's shipped options, without a class-data archive: {@value}.
     */
    public static final String JVM_OPTIONS_ATTRIBUTE = "Servicekit-Jvm-Options";

    /** System property that, {@code false}, keeps the child JVM from using a class-data archive: {@value}. */
    public static final String STARTUP_CACHE_PROPERTY = "servicekit.startup-cache";

    /**
     * System property that, {@code false}, keeps the launcher from replacing its own process with the JVM it
     * needs ({@code execve}, Linux), so that it starts that JVM as a child process and passes signals on, as it
     * always does on other systems; {@code jna}, {@code execve} through JNA rather than the launcher's own library:
     * {@value}.
     */
    public static final String EXEC_PROPERTY = "servicekit.exec";

    /**
     * System property that says the JVM's options were chosen on purpose: the application's shipped options set it
     * ({@code -D}{@value}{@code =shipped}), and {@code install} adds {@code -D}{@value}{@code =given} to options given
     * with {@code --jvm-option}. A JVM that has it (an installed service, or a JVM the launcher started) is never
     * restarted to get the shipped options: {@value}.
     */
    public static final String JVM_OPTIONS_PROPERTY = "servicekit.jvm-options";

    /**
     * Manifest attribute with the application's name and version as its {@code version} command prints them
     * ({@code users-service 1.2.0}); with it the launcher answers a plain {@code version}, {@code --version} or
     * {@code -V} itself (see {@link #answerVersion}): {@value}.
     */
    public static final String VERSION_ATTRIBUTE = "Servicekit-Version";

    /**
     * System property that, {@code false}, gives the verbs of {@link #AOT_VERBS} the class-data archive the other
     * verbs get instead of the JDK's AOT cache ({@link AotCache}): {@value}.
     */
    public static final String AOT_CACHE_PROPERTY = "servicekit.aot-cache";

    /** The option that names a class-data archive. */
    private static final String ARCHIVE_OPTION = "-XX:SharedArchiveFile=";

    /** The verb that runs the service, always re-started on a Java {@value #REQUIRED_FEATURE}+ (Linux): {@value}. */
    static final String RUN_VERB = "run";

    /**
     * The verb that shows the service's state, which monitoring runs over and over; re-started on a Java
     * {@value AotCache#MIN_FEATURE}+ (Linux) for its AOT cache: {@value}.
     */
    static final String STATUS_VERB = "status";

    /**
     * The verbs that get the JDK's AOT cache ({@link #aotPlan}) instead of a class-data archive, each a cache of its
     * own trained on that verb: {@value #RUN_VERB}, whose start is the service's start, and {@value #STATUS_VERB},
     * which SPEC wants answered in 200 ms and which people and monitoring scripts run over and over (on JDK 25 its
     * JVM spends about a third less CPU with a cache than with its archive; decisions.md, "The AOT cache for status
     * too"). A verb here must create the training marker ({@link AotCache#MARKER_PROPERTY}) and the note that it ran
     * ({@link AotCache#RAN_PROPERTY}) once its work is done, else every start of it records again, or none ever
     * does. The other verbs are rare ({@code install}) or need no speed.
     */
    static final List<String> AOT_VERBS = Collections.unmodifiableList(Arrays.asList(RUN_VERB, STATUS_VERB));

    /**
     * The toolkit's own verbs, which get their class-data archive at their first use ({@link #startupOptions}): the
     * verbs every Servicekit application has (servicekit-core's {@code ServiceCli}, in its order). Any other word is an
     * application's own verb or a mistyped one, and gets its archive at its second use ({@link #seenBefore}).
     */
    static final List<String> TOOLKIT_VERBS = Collections.unmodifiableList(Arrays.asList(
            RUN_VERB,
            "service",
            "install",
            "uninstall",
            "start",
            "stop",
            "restart",
            STATUS_VERB,
            "reload",
            "doctor",
            "config",
            "version"));

    /**
     * The toolkit's own verbs that answer and exit, which get {@value #SHORT_VERB_OPTION} after the shipped options:
     * a JVM that lives under a second has no use for C2, whose compiler thread took 10-20 % of {@code status}'s CPU
     * (decisions.md, "C1 alone for the toolkit's short verbs"). {@link #TOOLKIT_VERBS} but the two that run the
     * service ({@value #RUN_VERB} and {@code service}), and not an application's own commands, which may move a whole
     * store ({@code export}, {@code backup}) and want C2.
     */
    static final List<String> SHORT_VERBS = toolkitVerbsLess(RUN_VERB, "service");

    /** What {@link #SHORT_VERBS} get: the C1 compiler alone. A {@code -XX:} option given to {@code java} wins. */
    static final String SHORT_VERB_OPTION = "-XX:TieredStopAtLevel=1";

    private Launcher() {}

    private static List<String> toolkitVerbsLess(String... verbs) {
        List<String> left = new ArrayList<>(TOOLKIT_VERBS);
        left.removeAll(Arrays.asList(verbs));
        return Collections.unmodifiableList(left);
    }

    /**
     * Runs the real main class on a Java {@value #REQUIRED_FEATURE}+, this one or one found on the machine.
     * Returns when the real {@code main} returns (same JVM); otherwise exits the JVM with the child's exit code,
     * or with 1 when there is no Java {@value #REQUIRED_FEATURE}+ or no real main class.
     *
     * @param args the application's arguments, passed on unchanged
     * @throws Throwable whatever the real {@code main} throws, unwrapped
     */
    public static void main(String[] args) throws Throwable {
        PrintStream err = System.err;
        Path jar = ownJar();
        Optional<Manifest> manifest = Optional.empty();
        String mainClassProperty = System.getProperty(MAIN_CLASS_PROPERTY);
        boolean givenMainClass =
                mainClassProperty != null && !mainClassProperty.trim().isEmpty();
        if (asksForTheVersion(args) && !givenMainClass) {
            manifest = readManifest(jar);
            if (manifest.isPresent() && answerVersion(manifest.get().getMainAttributes(), System.out)) {
                return;
            }
        }
        Optional<String> mainClass = givenMainClass ? Optional.of(mainClassProperty) : Optional.<String>empty();
        if (!mainClass.isPresent()) {
            if (!manifest.isPresent()) {
                manifest = readManifest(jar);
            }
            String named =
                    manifest.isPresent() ? manifest.get().getMainAttributes().getValue(MAIN_CLASS_ATTRIBUTE) : null;
            mainClass = named == null || named.trim().isEmpty() ? Optional.<String>empty() : Optional.of(named);
        }
        if (!mainClass.isPresent()) {
            err.println("servicekit launcher: " + jar + " names no main class to run; add the manifest attribute "
                    + MAIN_CLASS_ATTRIBUTE + " or set -D" + MAIN_CLASS_PROPERTY + "=<class>");
            System.exit(1);
            return;
        }
        int runningFeature = runningFeature();
        if (runningFeature >= REQUIRED_FEATURE) {
            // This JVM's options are read only when it may restart (run, on Linux): where the command line cannot be
            // read, that asks the management classes, tens of milliseconds.
            List<String> inputArguments =
                    mayRestartWithShippedOptions(args, runningFeature, System.getProperties()) && ExecInPlace.enabled()
                            ? inputArguments()
                            : null;
            if (inputArguments != null
                    && restartsWithShippedOptions(args, runningFeature, inputArguments, System.getProperties())) {
                if (!manifest.isPresent()) {
                    manifest = readManifest(jar);
                }
                Attributes attributes = attributes(manifest);
                Path home = Paths.get(System.getProperty("java.home"));
                Path cache = cacheDirectory(System.getenv());
                List<String> command = serviceCommand(
                        home.resolve("bin").resolve("java"),
                        runningFeature,
                        attributes,
                        inputArguments,
                        runningFeature,
                        jar,
                        home,
                        cache,
                        mainClass.get().trim(),
                        args);
                ExecInPlace.exec(command, jar, cache);
                // Still here: it did not work; run in this JVM as it is.
            }
            invokeMain(mainClass.get().trim(), args);
            return;
        }
        if (!manifest.isPresent()) {
            manifest = readManifest(jar);
        }
        Attributes attributes = attributes(manifest);
        JavaRuntimeSearch search = JavaRuntimeSearch.ofThisProcess();
        Optional<JavaRuntime> java = search.find(REQUIRED_FEATURE);
        if (!java.isPresent()) {
            err.println(noJavaMessage(
                    applicationName(attributes),
                    runningFeature,
                    Paths.get(System.getProperty("java.home", "?")),
                    search.placesDescription(),
                    search.windows()));
            System.exit(1);
            return;
        }
        List<String> inputArguments = inputArguments();
        Path cache = cacheDirectory(System.getenv());
        List<String> command = serviceCommand(
                java.get().javaExecutable(search.windows()),
                java.get().feature(),
                attributes,
                inputArguments,
                runningFeature,
                jar,
                java.get().home(),
                cache,
                mainClass.get().trim(),
                args);
        if (ExecInPlace.enabled()) {
            ExecInPlace.exec(command, jar, cache);
            // Still here: neither library, or execve failed; a child process does the same, with signals passed on.
        }
        System.exit(runChild(command, err, runningFeature));
    }

    /**
     * The command that runs the application: {@link #childCommand} with the startup options, which are an AOT cache's
     * ({@link #aotPlan}) for the verbs of {@link #AOT_VERBS} on a JDK {@value AotCache#MIN_FEATURE}+ on Linux, else a
     * class-data archive's ({@link #startupOptions}). When this start claimed a training run to build a cache from,
     * the build is started (detached) before this returns.
     */
    private static List<String> serviceCommand(
            Path java,
            int javaFeature,
            Attributes manifest,
            List<String> inputArguments,
            int runningFeature,
            Path jar,
            Path javaHome,
            Path cache,
            String mainClass,
            String[] args) {
        Map<String, String> environment = System.getenv();
        List<String> shipped = shippedOptions(manifest, args);
        List<String> plain = childCommand(
                java, shipped, inputArguments, environment, runningFeature, manifest, jar.toString(), mainClass, args);
        AotCache.Plan aot = aotPlan(
                plain, inputArguments, args, jar, javaHome, javaFeature, cache, System.getProperties(), currentPid());
        List<String> startup;
        if (aot != null) {
            startup = new ArrayList<>(shipped);
            startup.addAll(aot.options);
        } else {
            startup = startupOptions(manifest, inputArguments, args, jar, javaHome, cache);
        }
        List<String> command = childCommand(
                java, startup, inputArguments, environment, runningFeature, manifest, jar.toString(), mainClass, args);
        if (cache != null) {
            CacheCleanup.sweep(
                    cache.toFile(),
                    inUse(aot != null ? aot.key : null, startup),
                    System.currentTimeMillis(),
                    AotCache.Processes.LINUX);
        }
        if (aot != null && aot.builds()) {
            AotCache.startBuilder(aot, plain); // a build that cannot start leaves this start as it is
        }
        return command;
    }

    /**
     * The prefixes of the startup files this start uses, which {@link CacheCleanup} leaves alone: when it takes part
     * in the AOT cache, the files of its key ({@code aotKey}), which {@link AotCache#plan} looks after itself (a
     * recording, a build, the cache), and those of the same key under the other verbs of {@link #AOT_VERBS} (a
     * {@code status} never deletes the {@code run} cache of the same jar, JDK and options, nor a {@code run} the
     * {@code status} one); and the class-data archive it names, if any. The caches of this jar under other JVM
     * options are not in use: they are kept and bounded as the other jars' are.
     *
     * @param aotKey the AOT cache key of this start, {@code null} when it does not take part
     */
    static List<String> inUse(String aotKey, List<String> startupOptions) {
        List<String> names = new ArrayList<>();
        if (aotKey != null) {
            for (String verb : AOT_VERBS) {
                names.add(AotCache.withVerb(aotKey, verb) + ".");
            }
        }
        for (String option : startupOptions) {
            if (option.startsWith(ARCHIVE_OPTION)) {
                names.add(new File(option.substring(ARCHIVE_OPTION.length())).getName());
            }
        }
        return names;
    }

    /**
     * This start's part in making and using the JDK's AOT cache ({@link AotCache}), or {@code null} when the
     * class-data archive is used instead: a verb not in {@link #AOT_VERBS}, a JDK before
     * {@value AotCache#MIN_FEATURE}, another system than Linux, no cache directory, no pid, an archive or cache
     * option given ({@code -XX:SharedArchiveFile}, {@code -XX:AOTCache}, {@code -XX:AOTMode}, {@code -Xshare}), or
     * {@code -D}{@value #AOT_CACHE_PROPERTY}{@code =false}.
     *
     * @param plainCommand the service's command line without any archive or cache option: its options are part of
     *     the cache's key
     */
    static AotCache.Plan aotPlan(
            List<String> plainCommand,
            List<String> inputArguments,
            String[] args,
            Path jar,
            Path javaHome,
            int javaFeature,
            Path cacheDirectory,
            java.util.Properties properties,
            long pid) {
        if (args.length == 0
                || !AOT_VERBS.contains(args[0])
                || !aotCacheAvailable(javaFeature, properties)
                || cacheDirectory == null
                || pid <= 0) {
            return null;
        }
        for (String option : inputArguments) {
            if (namesAnArchive(option)) {
                return null;
            }
        }
        int classPath = plainCommand.indexOf("-cp");
        List<String> options = plainCommand.subList(1, classPath < 1 ? plainCommand.size() : classPath);
        String where = where(jar, javaHome);
        String key = AotCache.key(args[0], where, jar.toFile(), javaHome.toFile(), options);
        return AotCache.plan(
                cacheDirectory.toFile(),
                key,
                args[0] + "-" + where + "-",
                pid,
                System.currentTimeMillis(),
                AotCache.Processes.LINUX,
                javaFeature);
    }

    /**
     * This JVM's options, as {@code RuntimeMXBean.getInputArguments()} gives them: from its command line when that is
     * a plain {@code java [options] -jar …} ({@link JvmCommandLine}, Linux); else from {@code
     * jdk.internal.misc.VM.getRuntimeArguments()}, which that method reads too, when the package is exported to the
     * launcher ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}); else through the management classes,
     * which on Java 17 cost about 75 ms of the start (decisions.md, "The launcher reads this JVM's options from its
     * command line").
     */
    static List<String> inputArguments() {
        List<String> fromCommandLine = JvmCommandLine.options();
        if (fromCommandLine != null) {
            return fromCommandLine;
        }
        try {
            Object arguments = Class.forName("jdk.internal.misc.VM")
                    .getMethod("getRuntimeArguments")
                    .invoke(null);
            if (arguments instanceof String[]) {
                return Collections.unmodifiableList(Arrays.asList((String[]) arguments));
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // not exported to this code, or not this JDK's: the public way below
        }
        try {
            return ManagementFactory.getRuntimeMXBean().getInputArguments();
        } catch (LinkageError e) {
            // A runtime image without java.management (jlink): none known, rather than no start at all.
            return Collections.emptyList();
        }
    }

    /** The manifest's main attributes, or none. */
    private static Attributes attributes(Optional<Manifest> manifest) {
        return manifest.isPresent() ? manifest.get().getMainAttributes() : new Attributes();
    }

    /** This process's pid on Linux ({@code /proc/self}); {@code -1} elsewhere. */
    private static long currentPid() {
        try {
            return Long.parseLong(new File("/proc/self").getCanonicalFile().getName());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Whether this JVM, a Java {@value #REQUIRED_FEATURE}+, replaces itself ({@code execve}) with the same
     * {@code java} given the shipped options and the verb's AOT cache ({@link #aotPlan}) or class-data archive
     * ({@link #startupOptions}), as the launcher does on an older Java: for {@value #RUN_VERB}, and for
     * {@value #STATUS_VERB} on a JDK {@value AotCache#MIN_FEATURE}+ unless {@value #AOT_CACHE_PROPERTY} is
     * {@code false} (in its own JVM, without a cache and with C2, {@code status} took about 1.8 times as long as with
     * this second JVM start, its cache and C1 alone; decisions.md, "status restarts on a JDK 25 too"); other verbs
     * are short and run in this JVM. Only on Linux and when {@value #EXEC_PROPERTY} and
     * {@value #STARTUP_CACHE_PROPERTY} are not {@code false}, and never
     * when this JVM already has the shipped options ({@value #JVM_OPTIONS_PROPERTY}, which they set, as the
     * command line {@code install} writes does) or a class-data archive or AOT cache of its own (what services
     * installed before that property existed were given). The new JVM runs the real main class directly, so it
     * cannot restart again.
     */
    static boolean restartsWithShippedOptions(
            String[] args, int runningFeature, List<String> inputArguments, java.util.Properties properties) {
        return mayRestartWithShippedOptions(args, runningFeature, properties) && namesNoArchive(inputArguments);
    }

    /** Whether none of this JVM's options names a class-data archive or AOT cache of its own. */
    private static boolean namesNoArchive(List<String> inputArguments) {
        for (String option : inputArguments) {
            if (namesAnArchive(option)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #restartsWithShippedOptions} without this JVM's options: when this is {@code false} they need not be
     * read (on Windows and macOS that asks the management classes).
     */
    static boolean mayRestartWithShippedOptions(String[] args, int runningFeature, java.util.Properties properties) {
        if (args.length == 0 || properties.getProperty(JVM_OPTIONS_PROPERTY) != null) {
            return false;
        }
        boolean verb = RUN_VERB.equals(args[0])
                || (STATUS_VERB.equals(args[0]) && aotCacheAvailable(runningFeature, properties));
        return verb && !turnedOff(properties, STARTUP_CACHE_PROPERTY) && ExecInPlace.allowedBy(properties);
    }

    /**
     * Whether a JVM of {@code javaFeature} here may use the JDK's AOT cache: a JDK {@value AotCache#MIN_FEATURE}+, on
     * Linux, and {@value #AOT_CACHE_PROPERTY} not {@code false}. {@link #aotPlan} asks it, and so does the restart of
     * {@value #STATUS_VERB}, which is worth its second JVM start only for the cache.
     */
    static boolean aotCacheAvailable(int javaFeature, java.util.Properties properties) {
        return javaFeature >= AotCache.MIN_FEATURE
                && properties.getProperty("os.name", "").startsWith("Linux")
                && !turnedOff(properties, AOT_CACHE_PROPERTY);
    }

    /** Whether the switch {@code name} (on unless given) is turned off: {@code -Dname=false}, in any case. */
    static boolean turnedOff(java.util.Properties properties, String name) {
        return "false".equalsIgnoreCase(properties.getProperty(name, "true").trim());
    }

    private static boolean namesAnArchive(String option) {
        return option.startsWith("-XX:SharedArchiveFile")
                || option.startsWith("-XX:AOTCache")
                || option.startsWith("-XX:AOTMode")
                || option.startsWith("-Xshare");
    }

    /**
     * Whether the arguments are a plain {@code version}, {@code --version} or {@code -V}, nothing else: what
     * {@link #answerVersion} may answer.
     */
    static boolean asksForTheVersion(String[] args) {
        return args.length == 1 && (args[0].equals("version") || args[0].equals("--version") || args[0].equals("-V"));
    }

    /**
     * Prints the line the application's {@code version} prints ({@link #versionLine}) without starting it, and
     * returns {@code true}; or returns {@code false}, having printed nothing, when it cannot be sure of every word
     * of it, and the real command runs as usual. The name and version are the manifest's
     * {@value #VERSION_ATTRIBUTE} (none: {@code false}). The Java is the one the service would run on: this JVM on
     * Java {@value #REQUIRED_FEATURE}+ ({@code java.runtime.version}, what {@code Runtime.version()} prints); on an
     * older Java the one {@link JavaRuntimeSearch} finds, its version read from its {@code release} file, and only
     * when that file names this JVM's {@code os.name} and architecture (see
     * {@link JavaRuntime#runtimeVersionSeenFrom}), so that this JVM's {@code os.name} and {@code os.arch} are the
     * ones that JVM would print. Loads nothing more than reading the manifest and {@code release} files needs: no
     * lambdas, no JNA, no management classes, no logging. Two JVM starts (or one start of the whole application)
     * cost more than the {@code version} budget of 200 ms (docs/performance.md).
     */
    static boolean answerVersion(Attributes manifest, PrintStream out) {
        String nameAndVersion = manifest.getValue(VERSION_ATTRIBUTE);
        if (nameAndVersion == null || nameAndVersion.trim().isEmpty()) {
            return false;
        }
        String osName = System.getProperty("os.name", "");
        String osArch = System.getProperty("os.arch", "");
        String javaVersion;
        if (runningFeature() >= REQUIRED_FEATURE) {
            javaVersion = System.getProperty("java.runtime.version");
        } else {
            Optional<JavaRuntime> java = JavaRuntimeSearch.ofThisProcess().find(REQUIRED_FEATURE);
            if (!java.isPresent()) {
                return false; // the usual path says what to install
            }
            Optional<String> seen = java.get().runtimeVersionSeenFrom(osName, osArch);
            javaVersion = seen.isPresent() ? seen.get() : null;
        }
        if (javaVersion == null || javaVersion.trim().isEmpty()) {
            return false;
        }
        out.println(versionLine(nameAndVersion.trim(), javaVersion.trim(), osName, osArch));
        out.flush();
        return true;
    }

    /**
     * {@code users-service 1.2.0 (Java 25.0.1+8-LTS, Linux amd64)}: the text form of the application's
     * {@code version} (servicekit-core's {@code VersionCommand.line}, which must stay the same; users-service's
     * {@code LauncherVersionIT} compares the two byte for byte).
     */
    static String versionLine(String nameAndVersion, String javaVersion, String osName, String osArch) {
        return nameAndVersion + " (Java " + javaVersion + ", " + osName + " " + osArch + ")";
    }

    /** The one line printed when no Java {@value #REQUIRED_FEATURE}+ is found. */
    static String noJavaMessage(
            String application, int runningFeature, Path runningHome, String places, boolean windows) {
        String install = windows
                ? "winget install EclipseAdoptium.Temurin." + REQUIRED_FEATURE + ".JRE, or https://adoptium.net"
                : "Debian/Ubuntu: apt-get install openjdk-" + REQUIRED_FEATURE
                        + "-jre-headless; elsewhere: https://adoptium.net";
        return application + ": running needs Java " + REQUIRED_FEATURE + " or newer; this is Java " + runningFeature
                + " (" + runningHome + ") and JAVA_HOME, PATH and " + places + " have none. Install one (" + install
                + ") or set JAVA_HOME to it.";
    }

    /**
     * The child's command line: {@code java}, the manifest's module options, this JVM's options (less those the
     * child reads itself from {@code JAVA_TOOL_OPTIONS} and {@code JDK_JAVA_OPTIONS}), {@code -cp <jar> <main>},
     * the arguments.
     */
    static List<String> childCommand(
            Path java,
            List<String> inputArguments,
            Map<String, String> environment,
            int runningFeature,
            Attributes manifest,
            String classPath,
            String mainClass,
            String[] args) {
        return childCommand(
                java,
                Collections.<String>emptyList(),
                inputArguments,
                environment,
                runningFeature,
                manifest,
                classPath,
                mainClass,
                args);
    }

    /**
     * The child's command line as above, with {@code startupOptions} (see {@link #startupOptions}) before this JVM's
     * own options, so that an option given on the command line wins over the shipped one.
     */
    static List<String> childCommand(
            Path java,
            List<String> startupOptions,
            List<String> inputArguments,
            Map<String, String> environment,
            int runningFeature,
            Attributes manifest,
            String classPath,
            String mainClass,
            String[] args) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        String nativeAccess = manifest.getValue("Enable-Native-Access");
        if (nativeAccess != null && !nativeAccess.trim().isEmpty()) {
            command.add("--enable-native-access=" + nativeAccess.trim());
        }
        for (String opens : words(manifest.getValue("Add-Opens"))) {
            command.add("--add-opens=" + opens + "=ALL-UNNAMED");
        }
        for (String exports : words(manifest.getValue("Add-Exports"))) {
            command.add("--add-exports=" + exports + "=ALL-UNNAMED");
        }
        command.addAll(startupOptions);
        // The JVM puts JAVA_TOOL_OPTIONS, then (launcher of 9+) JDK_JAVA_OPTIONS, before the command line's own
        // options; the child inherits both variables and would read them a second time.
        List<String> options = dropPrefix(inputArguments, words(environment.get("JAVA_TOOL_OPTIONS")));
        if (runningFeature >= 9) {
            options = dropPrefix(options, words(environment.get("JDK_JAVA_OPTIONS")));
        }
        command.addAll(options);
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return command;
    }

    /**
     * What the child gets before this JVM's own options: the manifest's {@value #JVM_OPTIONS_ATTRIBUTE} (the JVM
     * options the application ships to installed services, less their class-data archive), and an application
     * class-data archive for this verb in {@code cacheDirectory} ({@code -XX:SharedArchiveFile} with
     * {@code -XX:+AutoCreateSharedArchive}: the first run of a verb writes it at exit, every later run maps it, and
     * a jar or JDK changed in place gets an archive of its own, {@link #archiveFile}). No archive when this JVM was given one
     * ({@code -XX:SharedArchiveFile}, {@code -XX:AOTCache}, {@code -Xshare}), when there is no cache directory, or
     * when the verb is not a plain word; one archive per verb, because an archive written by a short verb would be
     * valid, and nearly useless, for {@code run}. A verb not among {@link #TOOLKIT_VERBS} gets its archive only from
     * its second use on ({@link #seenBefore}): writing one costs its JVM about 0.4 s at exit and 6.6 MB of the cache
     * (decisions.md, "An application's verb gets its archive at its second use"), which a mistyped verb
     * ({@code users-service stauts}) would pay for an archive never used again.
     *
     * @param cacheDirectory where archives go ({@link #cacheDirectory}); {@code null} for none
     */
    static List<String> startupOptions(
            Attributes manifest,
            List<String> inputArguments,
            String[] args,
            Path jar,
            Path javaHome,
            Path cacheDirectory) {
        List<String> options = shippedOptions(manifest, args);
        for (String option : inputArguments) {
            if (namesAnArchive(option)) {
                return options;
            }
        }
        String verb = args.length > 0 && StartupFileName.isVerb(args[0]) ? args[0] : null;
        if (cacheDirectory == null || verb == null) {
            return options;
        }
        return withArchive(
                options, verb, jar, javaHome, cacheDirectory, CacheFiles.roomToWrite(cacheDirectory.toFile()));
    }

    /**
     * {@code options} with the archive of {@link #startupOptions}, where {@code roomToWrite} says whether the JVM may
     * write it ({@link CacheFiles#roomToWrite}). Where it may not, an archive already there is mapped without
     * {@code -XX:+AutoCreateSharedArchive} (the JVM then never writes it, and runs without it when it is not valid),
     * and none is asked for otherwise: a JVM that cannot write its archive at exit exits with 1 and prints "Error
     * occurred during initialization of VM" on stdout, after the command's own output.
     */
    static List<String> withArchive(
            List<String> options, String verb, Path jar, Path javaHome, Path cacheDirectory, boolean roomToWrite) {
        Path archive = archiveFile(cacheDirectory, verb, jar, javaHome);
        boolean present = Files.isRegularFile(archive);
        if (!present
                && (!roomToWrite
                        || !TOOLKIT_VERBS.contains(verb) && !seenBefore(cacheDirectory, verb, jar, javaHome))) {
            return options;
        }
        options.add(ARCHIVE_OPTION + archive);
        if (roomToWrite) {
            options.add("-XX:+AutoCreateSharedArchive");
        }
        options.add("-Xlog:cds=off");
        options.add("-Xlog:cds+dynamic=off");
        return options;
    }

    /**
     * The manifest's {@value #JVM_OPTIONS_ATTRIBUTE}, and {@value #SHORT_VERB_OPTION} after them for a verb of
     * {@link #SHORT_VERBS}.
     */
    static List<String> shippedOptions(Attributes manifest, String[] args) {
        List<String> options = new ArrayList<>(words(manifest.getValue(JVM_OPTIONS_ATTRIBUTE)));
        if (args.length > 0 && SHORT_VERBS.contains(args[0])) {
            options.add(SHORT_VERB_OPTION);
        }
        return options;
    }

    /**
     * The archive of {@code verb} for this jar and JDK: {@code <verb>-<where>-<which>.jsa}, where {@code <where>}
     * stands for the jar's and the JDK's paths (two checkouts never overwrite each other's archive) and
     * {@code <which>} for the jar's size and modification time and the JDK's {@code release} file (a jar rebuilt or
     * upgraded in place, or a JDK updated in place, gets a new archive). The JVM would map an archive written for
     * the jar that was there before and then ignore its application classes ("shared class paths mismatch"), paying
     * the archive's memory for nothing, and did not always write a new one. Archives of the same verb, jar path and
     * JDK path with another {@code <which>} are deleted (best effort: one still mapped elsewhere may stay).
     */
    static Path archiveFile(Path cacheDirectory, String verb, Path jar, Path javaHome) {
        String where = where(jar, javaHome);
        File jarFile = jar.toFile();
        File release = new File(javaHome.toFile(), "release");
        String which = Integer.toHexString((jarFile.length()
                        + "|" + jarFile.lastModified()
                        + "|" + release.length()
                        + "|" + release.lastModified())
                .hashCode());
        String prefix = verb + "-" + where;
        String name = prefix + "-" + which + StartupFileName.ARCHIVE;
        File existing = new File(cacheDirectory.toFile(), name);
        if (existing.isFile()) {
            existing.setLastModified(System.currentTimeMillis()); // when it was last used, for CacheCleanup
        }
        String[] present = cacheDirectory.toFile().list();
        if (present != null) {
            for (String other : present) {
                boolean stale = !other.equals(name)
                        && other.endsWith(StartupFileName.ARCHIVE)
                        && (other.equals(prefix + StartupFileName.ARCHIVE) || other.startsWith(prefix + "-"));
                if (stale && !new File(cacheDirectory.toFile(), other).delete()) {
                    break; // in use (Windows) or not ours to delete: the next start tries again
                }
            }
        }
        return cacheDirectory.resolve(name);
    }

    /**
     * Whether {@code verb} was given to this jar under this JDK before: notes it in {@code cacheDirectory} as
     * {@code <verb>-<where>}{@value StartupFileName#SEEN} (an empty file, its modification time when the verb was last
     * given, for {@link CacheCleanup}), and answers whether the note was there already. {@code false} when it cannot
     * be written: no archive is asked for where the JVM could not write one either.
     */
    static boolean seenBefore(Path cacheDirectory, String verb, Path jar, Path javaHome) {
        File note = new File(cacheDirectory.toFile(), verb + "-" + where(jar, javaHome) + StartupFileName.SEEN);
        try {
            if (note.createNewFile()) {
                return false;
            }
            return note.setLastModified(System.currentTimeMillis());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The part of a cache file's name that stands for the jar's and the JDK's paths. */
    static String where(Path jar, Path javaHome) {
        return Integer.toHexString((jar.toAbsolutePath() + "|" + javaHome.toAbsolutePath()).hashCode());
    }

    /**
     * The per-user directory for class-data archives, created if need be: {@code $XDG_CACHE_HOME/servicekit} or
     * {@code ~/.cache/servicekit} (on Windows {@code %LOCALAPPDATA%\servicekit}); {@code null} when it cannot be
     * created, or when {@value #STARTUP_CACHE_PROPERTY} is {@code false}.
     */
    static Path cacheDirectory(Map<String, String> environment) {
        if (turnedOff(System.getProperties(), STARTUP_CACHE_PROPERTY)) {
            return null;
        }
        String base = environment.get("XDG_CACHE_HOME");
        Path dir;
        if (base != null && !base.trim().isEmpty()) {
            dir = Paths.get(base.trim(), "servicekit");
        } else if (environment.get("LOCALAPPDATA") != null
                && System.getProperty("os.name", "").startsWith("Windows")) {
            dir = Paths.get(environment.get("LOCALAPPDATA"), "servicekit");
        } else {
            dir = Paths.get(System.getProperty("user.home", "."), ".cache", "servicekit");
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The application's name for messages: {@code Implementation-Title}, else "servicekit". */
    static String applicationName(Attributes manifest) {
        String title = manifest.getValue(Attributes.Name.IMPLEMENTATION_TITLE);
        return title == null || title.trim().isEmpty() ? "servicekit" : title.trim();
    }

    /** The running JVM's feature release, from {@code java.specification.version} ("1.8" on Java 8). */
    static int runningFeature() {
        Optional<int[]> version = JavaRuntime.parseVersion(System.getProperty("java.specification.version", "0"));
        return version.isPresent() ? version.get()[0] : 0;
    }

    private static void invokeMain(String className, String[] args) throws Throwable {
        Method main;
        try {
            main = Class.forName(className, true, Launcher.class.getClassLoader())
                    .getMethod("main", String[].class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            System.err.println("servicekit launcher: cannot run " + className + " (" + e + "); " + MAIN_CLASS_ATTRIBUTE
                    + " or -D" + MAIN_CLASS_PROPERTY + " must name a class with public static void main(String[])");
            System.exit(1);
            return;
        }
        if (!Modifier.isStatic(main.getModifiers())) {
            System.err.println("servicekit launcher: " + className
                    + ".main is not static; it must be public static void main(String[])");
            System.exit(1);
            return;
        }
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static int runChild(List<String> command, PrintStream err, int runningFeature) throws InterruptedException {
        SignalForwarding forwarding = new SignalForwarding(err, runningFeature);
        forwarding.install();
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            err.println("servicekit launcher: cannot start " + command.get(0) + " (" + e.getMessage() + ")");
            return 1;
        }
        forwarding.childStarted(child);
        // Should this JVM exit some other way (a signal the forwarding could not take over), the child goes too.
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (child.isAlive()) {
                                child.destroy();
                            }
                        },
                        "servicekit-launcher-child-stop"));
        return child.waitFor();
    }

    /** The jar (or classes directory) this class was loaded from. */
    private static Path ownJar() {
        CodeSource source = Launcher.class.getProtectionDomain().getCodeSource();
        try {
            if (source != null && source.getLocation() != null) {
                return Paths.get(source.getLocation().toURI()).toAbsolutePath();
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through to the class path
        }
        return Paths.get(System.getProperty("java.class.path", "").split(File.pathSeparator)[0])
                .toAbsolutePath();
    }

    private static Optional<Manifest> readManifest(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return Optional.empty();
        }
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            return Optional.ofNullable(file.getManifest());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code text} split at runs of whitespace ({@code \s+}), by hand: no {@code java.util.regex} on the start's path
     * ({@link StartupFileName}).
     */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        if (text == null) {
            return words;
        }
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean space = i == text.length() || isSpace(text.charAt(i));
            if (space && start >= 0) {
                words.add(text.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return words;
    }

    /** The characters of the regular expression {@code \s}. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static List<String> dropPrefix(List<String> list, List<String> prefix) {
        if (!prefix.isEmpty()
                && list.size() >= prefix.size()
                && list.subList(0, prefix.size()).equals(prefix)) {
            return list.subList(prefix.size(), list.size());
        }
        return list;
    }
}
