package dev.servicekit.systemd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The {@link Launchctl} seam for tests: a small simulated launchd that keeps the rules the manager depends on, not a
 * recorder that accepts anything. {@code bootstrap} reads the plist from disk (under the live root), refuses one that
 * does not parse, whose {@code Label} differs, that group or others can write, or that is already loaded (exit 5,
 * as launchctl does), and spawns the job when {@code RunAtLoad} is true; {@code kickstart} spawns a loaded job that
 * is not running ({@code -k} kills and respawns); {@code kill SIGTERM} ends it with {@link #exitOnStop(int)};
 * {@code bootout} unloads; {@code print} answers in launchctl's format, or exit 113 "Could not find service".
 *
 * <p>A spawn first shows {@code spawn scheduled} for {@link #spawnDelay(int)} prints, then {@code running}, or, after
 * {@link #crashOnStart(int)}, {@code not running} with that last exit code.
 */
final class FakeLaunchd implements Launchctl {

    private final Path liveRoot;
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final Map<String, Job> loaded = new HashMap<>();
    private final Map<String, CommandResult> failures = new HashMap<>();
    private int spawnDelay;
    private int crashExitCode;
    private int stopExitCode;
    private long nextPid = 4242;

    FakeLaunchd(Path liveRoot) {
        this.liveRoot = liveRoot;
    }

    /** How many prints show {@code spawn scheduled} after a spawn before the job runs (or crashes). */
    FakeLaunchd spawnDelay(int prints) {
        spawnDelay = prints;
        return this;
    }

    /** Spawned jobs exit at once with this code instead of running. */
    FakeLaunchd crashOnStart(int exitCode) {
        crashExitCode = exitCode;
        return this;
    }

    /** The exit code of a job after SIGTERM (Servicekit's foreground run: 0). */
    FakeLaunchd exitOnStop(int exitCode) {
        stopExitCode = exitCode;
        return this;
    }

    /** Makes {@code launchctl <verb> …} fail. */
    FakeLaunchd failing(String verb, int exitCode, String stderr) {
        failures.put(verb, new CommandResult(exitCode, "", stderr));
        return this;
    }

    /** Every command line run, e.g. {@code launchctl bootstrap system /Library/LaunchDaemons/dev.servicekit.users-service.plist}. */
    List<String> commands() {
        return List.copyOf(commands);
    }

    /** The command lines other than {@code print} (the queries and polling). */
    List<String> changes() {
        return commands.stream().filter(c -> !c.startsWith("launchctl print ")).toList();
    }

    boolean isLoaded(String target) {
        return loaded.containsKey(target);
    }

    @Override
    public synchronized CommandResult run(List<String> arguments) {
        commands.add("launchctl " + String.join(" ", arguments));
        String verb = arguments.get(0);
        if (failures.containsKey(verb)) {
            return failures.get(verb);
        }
        return switch (verb) {
            case "bootstrap" -> bootstrap(arguments.get(1), Path.of(arguments.get(2)));
            case "bootout" -> loaded.remove(arguments.get(1)) != null ? ok() : notFound(arguments.get(1));
            case "kickstart" -> kickstart(arguments.get(arguments.size() - 1), arguments.contains("-k"));
            case "kill" -> kill(arguments.get(1), arguments.get(2));
            case "print" -> print(arguments.get(1));
            default -> new CommandResult(64, "", "Unrecognized subcommand: " + verb);
        };
    }

    private CommandResult bootstrap(String domain, Path plist) {
        Path onDisk = liveRoot.resolve(plist.getRoot().relativize(plist));
        Document document;
        try {
            if (Files.getPosixFilePermissions(onDisk).stream()
                    .anyMatch(p -> p == PosixFilePermission.GROUP_WRITE || p == PosixFilePermission.OTHERS_WRITE)) {
                return new CommandResult(5, "", "Bootstrap failed: 5: Input/output error");
            }
            document = LaunchdPlists.parse(onDisk);
        } catch (Exception e) {
            return new CommandResult(5, "", "Bootstrap failed: 5: Input/output error");
        }
        Map<String, Node> top = LaunchdPlists.topLevel(document);
        String label = ((Element) top.get("Label")).getTextContent();
        String target = domain + "/" + label;
        if (loaded.containsKey(target)) {
            return new CommandResult(5, "", "Bootstrap failed: 5: Input/output error");
        }
        Job job = new Job(plist);
        loaded.put(target, job);
        Node runAtLoad = top.get("RunAtLoad");
        if (runAtLoad != null && runAtLoad.getNodeName().equals("true")) {
            job.spawn(nextPid++, spawnDelay, crashExitCode);
        }
        return ok();
    }

    private CommandResult kickstart(String target, boolean kill) {
        Job job = loaded.get(target);
        if (job == null) {
            return notFound(target);
        }
        if (job.running() && !kill) {
            return ok();
        }
        if (job.running()) {
            job.exit(stopExitCode);
        }
        job.spawn(nextPid++, spawnDelay, crashExitCode);
        return ok();
    }

    private CommandResult kill(String signal, String target) {
        Job job = loaded.get(target);
        if (job == null) {
            return notFound(target);
        }
        if (!job.running()) {
            return new CommandResult(3, "", "Could not signal service: 3: No such process");
        }
        if (signal.equals("SIGTERM")) {
            job.exit(stopExitCode);
        } else {
            job.signals.add(signal);
        }
        return ok();
    }

    /** The signals other than SIGTERM a job received, e.g. SIGHUP. */
    synchronized List<String> signals(String target) {
        return List.copyOf(loaded.get(target).signals);
    }

    private CommandResult print(String target) {
        Job job = loaded.get(target);
        if (job == null) {
            return notFound(target);
        }
        String state = job.poll();
        StringBuilder out = new StringBuilder(target).append(" = {\n");
        out.append("\tactive count = ").append(state.equals("running") ? 1 : 0).append('\n');
        out.append("\tpath = ").append(job.plist).append('\n');
        out.append("\ttype = ")
                .append(target.startsWith("system/") ? "LaunchDaemon" : "LaunchAgent")
                .append('\n');
        out.append("\tstate = ").append(state).append("\n\n");
        out.append("\tprogram = /usr/bin/java\n");
        out.append("\targuments = {\n\t\t/usr/bin/java\n\t\t-jar\n\t}\n\n");
        out.append("\tevent triggers = {\n\t\ttrigger = {\n\t\t\tstate = 1\n\t\t\tpid = 1\n\t\t}\n\t}\n\n");
        out.append("\tdomain = ")
                .append(target.substring(0, target.lastIndexOf('/')))
                .append('\n');
        out.append("\truns = ").append(job.runs).append('\n');
        if (state.equals("running")) {
            out.append("\tpid = ").append(job.pid).append('\n');
        }
        out.append("\tlast exit code = ")
                .append(
                        job.lastExit == null
                                ? "(never exited)"
                                : job.lastExit + (job.lastExit == 78 ? ": EX_CONFIG" : ""))
                .append('\n');
        out.append("}\n");
        return new CommandResult(0, out.toString(), "");
    }

    private static CommandResult ok() {
        return new CommandResult(0, "", "");
    }

    private static CommandResult notFound(String target) {
        return new CommandResult(
                113,
                "",
                "Could not find service \"" + target.substring(target.lastIndexOf('/') + 1) + "\" in domain for port");
    }

    private static final class Job {
        final Path plist;
        final List<String> signals = new ArrayList<>();
        String state = "not running";
        long pid;
        int runs;
        Integer lastExit;
        int scheduledPrints;
        int crashExitCode;

        Job(Path plist) {
            this.plist = plist;
        }

        boolean running() {
            return state.equals("running") || state.equals("spawn scheduled");
        }

        void spawn(long newPid, int delay, int crash) {
            pid = newPid;
            runs++;
            scheduledPrints = delay;
            crashExitCode = crash;
            state = "spawn scheduled";
        }

        void exit(int code) {
            state = "not running";
            lastExit = code;
            pid = 0;
        }

        /** The state a print sees: a scheduled spawn stays scheduled for its delay, then runs or crashes. */
        String poll() {
            if (state.equals("spawn scheduled")) {
                if (scheduledPrints > 0) {
                    scheduledPrints--;
                } else if (crashExitCode != 0) {
                    exit(crashExitCode);
                } else {
                    state = "running";
                }
            }
            return state;
        }
    }
}
