package dev.servicekit.systemd;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link Systemctl} seam for tests: records every command line, answers {@code show} with canned
 * outputs in turn (the last one repeats; a not-found unit when none are given), and fails the verbs it is told to.
 */
final class FakeSystemctl implements Systemctl {

    static final String NOT_FOUND =
            "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\nNRestarts=0\nExecMainStatus=0\n";
    static final String ACTIVE =
            "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nNRestarts=1\nExecMainStatus=0\n";
    static final String ACTIVATING =
            "LoadState=loaded\nActiveState=activating\nSubState=start\nMainPID=4242\nNRestarts=0\nExecMainStatus=0\n";
    static final String INACTIVE =
            "LoadState=loaded\nActiveState=inactive\nSubState=dead\nMainPID=0\nNRestarts=0\nExecMainStatus=0\n";
    static final String FAILED_78 =
            "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\nNRestarts=2\nExecMainStatus=78\n";

    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final Deque<String> shows = new ArrayDeque<>();
    private final Map<String, CommandResult> failures = new HashMap<>();
    private final Map<String, Duration> durations = new HashMap<>();
    private List<String> journal = List.of();
    private String lastShow = NOT_FOUND;

    /** The next {@code show} outputs, in order; the last repeats. */
    FakeSystemctl showing(String... outputs) {
        shows.addAll(List.of(outputs));
        return this;
    }

    /** Makes {@code systemctl <verb> …} fail. */
    FakeSystemctl failing(String verb, int exitCode, String stderr) {
        failures.put(verb, new CommandResult(exitCode, "", stderr));
        return this;
    }

    /**
     * Makes {@code systemctl <verb> …} take this long, as {@code systemctl start} of a {@code Type=notify} unit
     * blocks until the service sent {@code READY=1}.
     */
    FakeSystemctl taking(String verb, Duration duration) {
        durations.put(verb, duration);
        return this;
    }

    FakeSystemctl journal(String... lines) {
        journal = List.of(lines);
        return this;
    }

    /** Every command line run, e.g. {@code systemctl --user enable --now users-service.service}. */
    List<String> commands() {
        return List.copyOf(commands);
    }

    /** The command lines other than {@code show} (the polling). */
    List<String> changes() {
        return commands.stream()
                .filter(c -> !c.matches("systemctl (--user )?show .*"))
                .toList();
    }

    @Override
    public synchronized CommandResult run(boolean user, List<String> arguments) {
        List<String> line = new ArrayList<>(List.of("systemctl"));
        if (user) {
            line.add("--user");
        }
        line.addAll(arguments);
        commands.add(String.join(" ", line));
        String verb = arguments.get(0);
        Duration duration = durations.get(verb);
        if (duration != null) {
            try {
                Thread.sleep(duration.toMillis()); // the blocking command itself, not a wait for a result
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (failures.containsKey(verb)) {
            return failures.get(verb);
        }
        if (verb.equals("show")) {
            if (!shows.isEmpty()) {
                lastShow = shows.poll();
            }
            return new CommandResult(0, lastShow, "");
        }
        return new CommandResult(0, "", "");
    }

    @Override
    public List<String> journal(boolean user, String unit, int lines) {
        commands.add("journalctl " + (user ? "--user " : "") + "-u " + unit + " -n " + lines);
        return journal;
    }
}
