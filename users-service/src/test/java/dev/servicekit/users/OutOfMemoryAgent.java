package dev.servicekit.users;

import java.util.ArrayList;
import java.util.List;

/**
 * A Java agent for {@code SystemdManagerIT}'s out-of-memory case, never shipped: loaded into a running service with
 * {@code jcmd PID JVMTI.agent_load AGENT.jar}, it starts a thread that holds on to 1 MiB arrays until the Java heap
 * is exhausted. The service's own code is untouched; what the test checks is what the JVM
 * ({@code -XX:+ExitOnOutOfMemoryError}) and the service manager do with a real {@link OutOfMemoryError}.
 * The {@code agentmain} returns at once, so that {@code jcmd} gets its answer before the JVM exits.
 */
public final class OutOfMemoryAgent {

    private static final List<long[]> HELD = new ArrayList<>();

    private OutOfMemoryAgent() {}

    /**
     * Called by the JVM when the agent is loaded into it.
     *
     * @param arguments the agent's options, unused
     */
    public static void agentmain(String arguments) {
        Thread filler = new Thread(OutOfMemoryAgent::fill, "out-of-memory-agent");
        filler.setDaemon(true);
        filler.start();
    }

    private static void fill() {
        while (true) {
            HELD.add(new long[128 * 1024]);
        }
    }
}
