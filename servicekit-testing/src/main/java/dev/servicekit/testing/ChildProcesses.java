package dev.servicekit.testing;

import java.util.concurrent.TimeUnit;

/** Ending the helper processes the servers and browsers of this module start. */
final class ChildProcesses {

    private ChildProcesses() {}

    /** SIGTERM, up to 10 s for it to exit, then SIGKILL and up to 10 s more; keeps the interrupt flag. */
    static void terminate(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
