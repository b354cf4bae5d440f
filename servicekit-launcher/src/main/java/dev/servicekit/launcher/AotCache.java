package dev.servicekit.launcher;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The JDK's AOT cache (JDK {@value #MIN_FEATURE}+, {@code -XX:AOTCache}) for the verbs of {@link Launcher#AOT_VERBS}
 * ({@code run} and {@code status}) on Linux: classes loaded and linked ahead of time, in place of the class-data
 * archive the other verbs get. Measured on JDK 25 (docs/performance.md): about a fifth off {@code run}'s start to the
 * first 200 and 8 MB less resident memory than the archive; about a third less CPU for a {@code status}
 * (decisions.md, "The AOT cache for status too"). Each verb has a cache of its own, trained on that verb: the key
 * starts with the verb ({@link #key}).
 *
 * <p>Without the training run's method profiles ({@link #NO_TRAINING}): a training run is a start, and what was hot
 * in it is what JDK 25 compiles with C2 as soon as the cache is mapped, on the core the start needs. Measured on one
 * pinned core (docs/performance.md): the first 200 about 0.1 s sooner without them (0.3 s with the shipped C2
 * thresholds) and no difference in throughput once warm; the cache is also 1.6 MB smaller.
 *
 * <p>A cache needs a training run, and a JVM cannot train and use one at once, so the cache is made over four
 * starts, each an ordinary {@code run} (or {@code status}); the files live in the cache directory under a key
 * {@code K} ({@link #key}):
 * <ol>
 *   <li><b>Run first.</b> Until a start of the key has run the service, none records: a first start is often a
 *       failed one (a bad configuration, a port in use, a mistyped option) or one that does one-time work (a new
 *       database's migrations), and a recording costs its JVM a few seconds at exit, prints a line on stderr and
 *       would be thrown away. The start gets {@code -D}{@value #RAN_PROPERTY}{@code =J.ran}, where {@code J} is
 *       the key without its options part ({@link #jarPart}: this jar and JDK under any JVM options), and the service,
 *       once running (a {@code status}, once it has answered), creates that empty file.</li>
 *   <li><b>Record.</b> No cache and nothing to build from: the JVM runs with {@code -XX:AOTMode=record
 *       -XX:AOTConfiguration=K.<pid>.aotconf}, which the JVM writes when it exits (a few seconds added to that one
 *       stop, as the class-data archive's first stop has). The service, once running, creates
 *       {@code K.<pid>.aotconf.running} ({@value #MARKER_PROPERTY}): a run that failed before it was running (a
 *       bad configuration, a port in use) trains nothing worth keeping, and its recording is deleted. A
 *       {@code status} creates it when it has answered. A start that did one-time work (servicekit-core's
 *       {@code StartContext.oneTimeWork}: schema migrations applied to a new database) writes what it was into
 *       that marker; its recording is deleted too, and {@code K.aotconf.skipped}
 *       created, so that the next start records again. JDK 25 loads every class of a cache at every start that maps
 *       it, and a cache trained on the first start of a new database would carry the migration tool's classes into
 *       every start after it. Once per key only: a service whose every start does such work still gets a cache.</li>
 *   <li><b>Build.</b> A recording whose JVM has exited and that has its marker is claimed by renaming it to
 *       {@code K.<pid>.aotconf.build} (one of several concurrent starts wins), and a detached, {@code nice}d
 *       {@code sh} runs {@code java -XX:AOTMode=create} on it into {@code K.<pid>.aot.part} and renames that to
 *       {@code K.aot} only when the JVM succeeded: a cache is never seen half-written. This start runs without any
 *       cache; a build interrupted (the machine stopped, the process group killed) leaves a {@code .build} file that
 *       a start an hour later deletes, and training begins again.</li>
 *   <li><b>Use.</b> {@code -XX:AOTCache=K.aot}.</li>
 * </ol>
 *
 * <p>JDK 25.0.3 maps a cache made for another jar at the same path and runs its old classes
 * ({@code NoSuchMethodError}), so the key is the launcher's, never the JVM's check: it changes with the jar's
 * central directory (every entry's name, CRC-32 and sizes), size and modification time, the JDK's {@code release}
 * and {@code lib/modules}, and the JVM options (a cache made with other options is refused by the JVM). Files of the
 * same jar and JDK paths from another build of either are deleted. Those of the same build under other JVM options
 * are kept: another instance of the service, or a {@code run} from a terminal beside the installed service, would
 * otherwise delete the other's cache at every start and both would train forever; {@link CacheCleanup} bounds them
 * with the other jars' caches.
 */
final class AotCache {

    /** Sends the JVM's own output (the recording's "AOTConfiguration recorded" line) to stderr: {@value}. */
    static final String VM_OUTPUT_TO_STDERR = "-XX:+DisplayVMOutputToStderr";

    /** The first JDK with {@code -XX:AOTMode=record} and {@code create}: {@value}. */
    static final int MIN_FEATURE = 24;

    /** The first JDK with method profiles in the cache and the options of {@link #NO_TRAINING}: {@value}. */
    static final int TRAINING_FEATURE = 25;

    /**
     * System property naming the file the service creates once it is running, while it records a training run:
     * {@value}. Read by servicekit-core's {@code ServiceHost}.
     */
    static final String MARKER_PROPERTY = "servicekit.aot.training-marker";

    /**
     * System property naming the file the service creates once it is running, in a start that records nothing
     * because no start of its key has got that far yet: {@value}. Read by servicekit-core's {@code ServiceHost} and
     * {@code StatusCommand}.
     */
    static final String RAN_PROPERTY = "servicekit.aot.ran-marker";

    /** Hex digits of a key's jar-and-JDK part ({@link #key}): {@value}. */
    static final int JAR_DIGITS = 16;

    /** Hex digits of a key's options part ({@link #key}): {@value}. */
    static final int OPTIONS_DIGITS = 8;

    /** A build older than this is taken for dead: its {@code .build} and {@code .part} files are deleted. */
    static final long BUILD_TIMEOUT_MILLIS = TimeUnit.HOURS.toMillis(1);

    private static final String CONFIGURATION = StartupFileName.RECORDING;
    private static final String MARKER = StartupFileName.RUNNING;
    private static final String BUILDING = StartupFileName.BUILDING;
    private static final String PART = StartupFileName.AOT_CACHE_PART;
    private static final String SKIPPED = StartupFileName.RECORDING_SKIPPED;
    private static final String RAN = StartupFileName.RAN;
    private static final String CACHE = StartupFileName.AOT_CACHE;

    /**
     * Neither recorded nor replayed: the training run's method profiles ({@code AOTRecordTraining} at record,
     * {@code AOTReplayTraining} at use, for caches recorded with them before). Diagnostic options of JDK 25.
     */
    static final List<String> NO_TRAINING = Collections.unmodifiableList(
            Arrays.asList("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining", "-XX:-AOTReplayTraining"));

    /** Whether a process is alive, given its pid. */
    interface Processes {
        boolean alive(long pid);

        /** Linux: {@code /proc/<pid>} exists. */
        Processes LINUX = new Processes() {
            @Override
            public boolean alive(long pid) {
                return new File("/proc/" + pid).exists();
            }
        };
    }

    /** What one start does: its JVM options and, when it claimed a recording, the build to start. */
    static final class Plan {
        /** The key this start's files are named after ({@link #key}). */
        final String key;

        final List<String> options;
        final File configuration;
        final File partial;
        final File cache;
        /** {@link #NO_TRAINING} on a JDK that knows those options, else empty; the build gets them too. */
        final List<String> training;

        private Plan(
                String key, List<String> options, File configuration, File partial, File cache, List<String> training) {
            this.key = key;
            this.options = Collections.unmodifiableList(options);
            this.configuration = configuration;
            this.partial = partial;
            this.cache = cache;
            this.training = training;
        }

        /** Whether this start claimed a recording and must start {@link #builderCommand}. */
        boolean builds() {
            return configuration != null;
        }
    }

    private AotCache() {}

    /**
     * Decides what this start does ({@link AotCache} above), renaming and deleting files in {@code directory} as it
     * goes; never throws.
     *
     * @param directory the cache directory
     * @param key this jar's, JDK's and options' key ({@link #key})
     * @param stalePrefix files starting with it are of this verb, jar path and JDK path ({@code <verb>-<where>-}):
     *     those of another build of the jar or JDK ({@link #jarPart} differs) are deleted, those of the same build
     *     with other JVM options are another cache and left to {@link CacheCleanup}; another verb's never start
     *     with it
     * @param pid this process's pid (the JVM's too: the launcher {@code execve}s it)
     * @param now the current time in milliseconds
     * @param javaFeature the feature version of the JDK that runs the service: {@link #NO_TRAINING} only from
     *     {@value #TRAINING_FEATURE} on (JDK 24 does not know those options and would not start with them)
     */
    static Plan plan(
            File directory, String key, String stalePrefix, long pid, long now, Processes processes, int javaFeature) {
        return plan(directory, key, stalePrefix, pid, now, processes, javaFeature, CacheFiles.roomToWrite(directory));
    }

    /**
     * {@link #plan}, told whether a JVM may write in {@code directory} ({@link CacheFiles#roomToWrite}). Where it may
     * not (a read-only home, a cache directory of another user's, a file system with less than
     * {@link CacheFiles#MIN_ROOM_BYTES} free), a cache already there is still mapped (and, where the directory can be
     * written, the recordings no start will build are still deleted), but nothing is recorded or built: the JVM
     * would print an error when it cannot create the recording at the start, and when it cannot write it at the exit
     * it prints "Error occurred during initialization of VM" and exits with 1 instead of the service's status, at
     * every start of {@code run} and every {@code status}.
     */
    static Plan plan(
            File directory,
            String key,
            String stalePrefix,
            long pid,
            long now,
            Processes processes,
            int javaFeature,
            boolean writable) {
        List<String> training = javaFeature >= TRAINING_FEATURE ? NO_TRAINING : Collections.<String>emptyList();
        String[] names = directory.list();
        List<String> present = new ArrayList<>();
        String sameBuild = jarPart(key);
        if (names != null) {
            for (String name : names) {
                if (name.startsWith(key + ".")) {
                    present.add(name);
                } else if (name.startsWith(stalePrefix) && !name.startsWith(sameBuild) && isOurs(name)) {
                    new File(directory, name).delete(); // best effort: another start may have deleted it first
                }
            }
        }
        File cache = new File(directory, key + CACHE);
        File ran = new File(directory, sameBuild + RAN); // this jar and JDK under any options
        if (cache.isFile()) {
            cache.setLastModified(now); // when it was last used, for CacheCleanup
            if (ran.isFile()) {
                ran.setLastModified(now); // as long as the jar is used, another options' first start records
            }
            if (directory.canWrite()) { // deleting frees room, so it needs none
                deleteExitedRecordings(directory, key, present, pid, processes);
                deleteDeadBuilds(directory, present, now);
                deleteOrphanMarkers(directory, present);
            }
            List<String> options = new ArrayList<>();
            options.add("-XX:AOTCache=" + cache);
            options.addAll(training);
            quiet(options);
            return new Plan(key, options, null, null, cache, training);
        }
        if (!writable) {
            return plain(key);
        }
        if (deleteDeadBuilds(directory, present, now)) {
            return plain(key);
        }
        boolean recording = false;
        for (String name : present) {
            if (!name.endsWith(CONFIGURATION)) {
                continue;
            }
            long recorder = pidOf(name, key);
            File configuration = new File(directory, name);
            File marker = new File(directory, name + MARKER);
            if (recorder != pid && recorder > 0 && processes.alive(recorder)) {
                recording = true;
                continue;
            }
            if (!marker.isFile()) {
                configuration.delete(); // the training run never reached RUNNING
                continue;
            }
            File skipped = new File(directory, key + SKIPPED);
            if (marker.length() > 0 && !skipped.exists()) {
                // The training run did one-time work: not built, once per key, and this start records again.
                configuration.delete();
                marker.delete();
                create(skipped);
                continue;
            }
            File claimed = new File(directory, key + "." + pid + CONFIGURATION + BUILDING);
            if (configuration.renameTo(claimed)) {
                marker.delete();
                return new Plan(
                        key,
                        Collections.<String>emptyList(),
                        claimed,
                        new File(directory, key + "." + pid + PART),
                        cache,
                        training);
            }
        }
        deleteOrphanMarkers(directory, present);
        if (recording) {
            return plain(key);
        }
        if (!ran.isFile()) {
            // No start of this key has run the service yet: this one records nothing, and says when it runs.
            List<String> options = new ArrayList<>();
            options.add("-D" + RAN_PROPERTY + "=" + ran);
            return new Plan(key, options, null, null, cache, Collections.<String>emptyList());
        }
        File configuration = new File(directory, key + "." + pid + CONFIGURATION);
        List<String> options = new ArrayList<>();
        options.add("-XX:AOTMode=record");
        options.add("-XX:AOTConfiguration=" + configuration);
        // The JVM says "AOTConfiguration recorded: <file>" when it stops, through its own output, which is stdout
        // by default: there it would land in the service's log stream (JSON lines on stdout). Only in this start,
        // the JVM's output goes to stderr instead.
        options.add(VM_OUTPUT_TO_STDERR);
        options.add("-D" + MARKER_PROPERTY + "=" + configuration + MARKER);
        options.addAll(training);
        quiet(options);
        return new Plan(key, options, null, null, cache, training);
    }

    /**
     * The detached command that builds the claimed recording: {@code setsid} where there is one (a new session, so
     * that a signal to the service's process group, as a terminal or a benchmark harness sends, does not end the
     * build), {@code sh -c}, which starts in the background (and returns at once) a subshell that ignores SIGINT and SIGHUP (a terminal's Ctrl+C for the service must not
     * end the build), runs {@code nice -n 10 <java> <options> -XX:AOTMode=create ... -cp <jar>} with the same
     * options as {@code serviceCommand} (the JVM refuses a cache made with other options), and renames the result
     * to the cache only when that JVM succeeded; the recording and any partial output are deleted either way.
     *
     * @param serviceCommand the service's command line: {@code java}, options, {@code -cp}, jar, main class, args
     */
    static List<String> builderCommand(Plan plan, List<String> serviceCommand) {
        int classPath = serviceCommand.indexOf("-cp");
        if (!plan.builds() || classPath < 1 || classPath + 1 >= serviceCommand.size()) {
            throw new IllegalArgumentException("no build planned, or no -cp in " + serviceCommand);
        }
        String script = "( trap '' INT HUP; configuration=$1 partial=$2 cache=$3; shift 3;"
                + " if nice -n 10 \"$@\" && [ -s \"$partial\" ]; then mv -f \"$partial\" \"$cache\"; fi;"
                + " rm -f \"$partial\" \"$configuration\" ) </dev/null >/dev/null 2>&1 &";
        List<String> command = new ArrayList<>();
        for (String setsid : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
            if (new File(setsid).canExecute()) {
                command.add(setsid); // out of the service's process group, which a stop may signal as a whole
                break;
            }
        }
        command.add("sh");
        command.add("-c");
        command.add(script);
        command.add("sh");
        command.add(plan.configuration.toString());
        command.add(plan.partial.toString());
        command.add(plan.cache.toString());
        command.addAll(serviceCommand.subList(0, classPath));
        command.add("-XX:AOTMode=create");
        command.add("-XX:AOTConfiguration=" + plan.configuration);
        command.add("-XX:AOTCache=" + plan.partial);
        command.addAll(plan.training);
        quiet(command);
        command.add("-cp");
        command.add(serviceCommand.get(classPath + 1));
        return command;
    }

    /** Starts {@link #builderCommand} and waits for its {@code sh}, which returns at once; never throws. */
    static String startBuilder(Plan plan, List<String> serviceCommand) {
        try {
            Process shell = new ProcessBuilder(builderCommand(plan, serviceCommand))
                    .redirectErrorStream(true)
                    .redirectOutput(new File("/dev/null"))
                    .start();
            if (!shell.waitFor(10, TimeUnit.SECONDS)) {
                shell.destroy();
                return "the shell that starts the AOT cache build did not return";
            }
            return null;
        } catch (IOException | RuntimeException e) {
            plan.configuration.delete();
            return "cannot start the AOT cache build (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while starting the AOT cache build";
        }
    }

    /**
     * The key of a cache: {@code <verb>-<where>-<jar><options>}, where {@code <verb>} is the verb the cache is trained
     * on and used for ({@code run}, {@code status}: a cache holds the classes of its verb's training run, and each
     * verb's files are looked after only by that verb's starts), {@code <where>} stands for the jar's and the JDK's
     * paths (as the class-data archive's name), {@code <jar>} ({@value #JAR_DIGITS} hex digits) for the jar's central
     * directory, size and time and the JDK's {@code release} and {@code lib/modules}, and {@code <options>}
     * ({@value #OPTIONS_DIGITS} hex digits) for the JVM options. The two parts are apart so that {@link #plan} can tell
     * another build of the jar or JDK (its files are stale) from the same build run with other options (its files
     * are another cache, kept).
     */
    static String key(String verb, String where, File jar, File javaHome, List<String> options) {
        File release = new File(javaHome, "release");
        File modules = new File(new File(javaHome, "lib"), "modules");
        StringBuilder facts = new StringBuilder();
        facts.append(jar.length()).append('|').append(jar.lastModified()).append('|');
        facts.append(centralDirectoryCrc(jar)).append('|');
        facts.append(release.length())
                .append('|')
                .append(release.lastModified())
                .append('|');
        facts.append(modules.length()).append('|').append(modules.lastModified());
        StringBuilder optionFacts = new StringBuilder();
        for (String option : options) {
            optionFacts.append('|').append(option);
        }
        return verb + "-" + where + "-" + hex(crc(facts), JAR_DIGITS / 2)
                + hex(facts.toString().hashCode() & 0xFFFFFFFFL, JAR_DIGITS / 2)
                + hex(crc(optionFacts), OPTIONS_DIGITS);
    }

    /**
     * {@code key} ({@code <verb>-<where>-<jar><options>}) for {@code verb} instead: the key of the same jar, JDK and
     * options under another verb, whose files a start of {@code key} leaves alone ({@link Launcher#inUse}).
     */
    static String withVerb(String key, String verb) {
        int last = key.lastIndexOf('-');
        int where = last > 0 ? key.lastIndexOf('-', last - 1) : -1;
        if (where <= 0) {
            throw new IllegalArgumentException("not a key: " + key);
        }
        return verb + key.substring(where);
    }

    /** {@code key} without its options part: every key of the same verb, jar and JDK build starts with it. */
    static String jarPart(String key) {
        return key.substring(0, Math.max(0, key.length() - OPTIONS_DIGITS));
    }

    private static long crc(CharSequence text) {
        CRC32 crc = new CRC32();
        crc.update(text.toString().getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    /** {@code value} as exactly {@code digits} lower-case hex digits, zero-padded. */
    private static String hex(long value, int digits) {
        String text = Long.toHexString(value);
        StringBuilder padded = new StringBuilder(digits);
        for (int i = text.length(); i < digits; i++) {
            padded.append('0');
        }
        return padded.append(text).toString();
    }

    /**
     * CRC-32 of a zip file's central directory (every entry's name, CRC-32, sizes and times), read from the end of
     * the file; {@code -1} when it cannot be read (no end record in the last 64 KiB, a ZIP64 file, an I/O error).
     */
    static long centralDirectoryCrc(File zip) {
        try (RandomAccessFile file = new RandomAccessFile(zip, "r")) {
            long length = file.length();
            int tail = (int) Math.min(length, 65_557); // end record (22) + the longest comment (65,535)
            byte[] end = new byte[tail];
            file.seek(length - tail);
            file.readFully(end);
            for (int i = tail - 22; i >= 0; i--) {
                if (end[i] == 0x50 && end[i + 1] == 0x4b && end[i + 2] == 0x05 && end[i + 3] == 0x06) {
                    long size = uint32(end, i + 12);
                    long offset = uint32(end, i + 16);
                    if (size == 0xFFFFFFFFL || offset == 0xFFFFFFFFL || offset + size > length || size > 64 << 20) {
                        return -1;
                    }
                    byte[] directory = new byte[(int) size];
                    file.seek(offset);
                    file.readFully(directory);
                    CRC32 crc = new CRC32();
                    crc.update(directory);
                    return crc.getValue();
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long uint32(byte[] bytes, int at) {
        return (bytes[at] & 0xFFL)
                | (bytes[at + 1] & 0xFFL) << 8
                | (bytes[at + 2] & 0xFFL) << 16
                | (bytes[at + 3] & 0xFFL) << 24;
    }

    /**
     * With the cache built, the recordings of this key that no start will build any more: those of concurrent first
     * starts (each recorded, one was built) whose JVMs have exited, with their markers. {@link CacheCleanup} leaves a
     * key's files alone while the key is in use, so without this they would stay as long as the cache is used (about
     * 12 MB each for {@code status}, 50 for {@code run}). A recording whose JVM still runs is left: it is being
     * written.
     */
    private static void deleteExitedRecordings(
            File directory, String key, List<String> present, long pid, Processes processes) {
        for (String name : present) {
            if (name.endsWith(CONFIGURATION)) {
                long recorder = pidOf(name, key);
                if (recorder != pid && (recorder <= 0 || !processes.alive(recorder))) {
                    new File(directory, name).delete();
                    new File(directory, name + MARKER).delete();
                }
            }
        }
    }

    /**
     * Deletes the builds and partial caches among {@code present} older than {@link #BUILD_TIMEOUT_MILLIS} (taken for
     * dead); returns whether a younger one is there (a build still running).
     */
    private static boolean deleteDeadBuilds(File directory, List<String> present, long now) {
        boolean building = false;
        for (String name : present) {
            if (name.endsWith(BUILDING) || name.endsWith(PART)) {
                File file = new File(directory, name);
                if (now - file.lastModified() > BUILD_TIMEOUT_MILLIS) {
                    file.delete();
                } else {
                    building = true;
                }
            }
        }
        return building;
    }

    /** Deletes the running markers among {@code present} whose recording is gone. */
    private static void deleteOrphanMarkers(File directory, List<String> present) {
        for (String name : present) {
            boolean orphan = name.endsWith(CONFIGURATION + MARKER)
                    && !new File(directory, name.substring(0, name.length() - MARKER.length())).exists();
            if (orphan) {
                new File(directory, name).delete();
            }
        }
    }

    /** {@code K.<pid>.aotconf} → pid; {@code -1} when the name has no number there. */
    private static long pidOf(String name, String key) {
        String middle = name.substring(key.length() + 1, name.length() - CONFIGURATION.length());
        try {
            return Long.parseLong(middle);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isOurs(String name) {
        return name.endsWith(CACHE)
                || name.endsWith(StartupFileName.ARCHIVE) // the class-data archive run had before it had an AOT cache
                || name.endsWith(PART)
                || name.endsWith(CONFIGURATION)
                || name.endsWith(CONFIGURATION + MARKER)
                || name.endsWith(CONFIGURATION + BUILDING)
                || name.endsWith(SKIPPED)
                || name.endsWith(RAN);
    }

    private static void create(File file) {
        try {
            file.createNewFile();
        } catch (IOException e) {
            // best effort: without it the next one-time recording is skipped too, and the one after is built
        }
    }

    /**
     * JDK 25.0.3 warns at every start with a cache that part of its code could not be linked ({@code Saved blob's
     * name ... is different}); warnings of the {@code aot} and {@code cds} tags are dropped, errors (a cache refused)
     * still print.
     */
    private static void quiet(List<String> options) {
        options.add("-Xlog:aot*=error");
        options.add("-Xlog:cds*=error");
    }

    private static Plan plain(String key) {
        return new Plan(key, Collections.<String>emptyList(), null, null, null, Collections.<String>emptyList());
    }
}
