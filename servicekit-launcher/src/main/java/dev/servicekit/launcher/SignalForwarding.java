package dev.servicekit.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * While the child JVM runs, the launcher stands in for it towards whoever signals the launcher's pid (a
 * service manager, {@code kill}, a test): SIGTERM is passed on with {@link Process#destroy()} (SIGTERM on
 * POSIX; the service stops gracefully), SIGHUP with {@code kill -HUP <child>} (the service reloads). SIGINT is
 * ignored: Ctrl+C in a terminal reaches the whole foreground process group, so the child has it already, and
 * passing it on would count as a second signal, which the service takes as "exit at once".
 *
 * <p>{@code sun.misc.Signal} through reflection, so that this compiles for Java 8 and runs on 8 to 25 (module
 * {@code jdk.unsupported} exports it from 9 on). A signal the platform or the JVM does not offer ({@code HUP}
 * on Windows, any of them under {@code -Xrs}) is skipped. Handlers run on the JVM's signal threads.
 */
final class SignalForwarding {

    private final PrintStream err;
    private final int runningFeature;
    private final AtomicReference<Process> child = new AtomicReference<>();
    private final AtomicBoolean terminateRequested = new AtomicBoolean();

    SignalForwarding(PrintStream err, int runningFeature) {
        this.err = err;
        this.runningFeature = runningFeature;
    }

    /** Installs the handlers. Call before starting the child, so that no signal finds the launcher unprepared. */
    void install() {
        handle("TERM", this::terminate);
        handle("HUP", this::reload);
        handle("INT", () -> {});
    }

    /** The child to forward to; a SIGTERM that came while it was being started is passed on now. */
    void childStarted(Process process) {
        child.set(process);
        if (terminateRequested.get()) {
            process.destroy();
        }
    }

    private void terminate() {
        terminateRequested.set(true);
        Process process = child.get();
        if (process != null) {
            process.destroy();
        }
    }

    private void reload() {
        Process process = child.get();
        if (process == null) {
            return;
        }
        Long pid = pid(process);
        if (pid == null) {
            err.println("servicekit launcher: SIGHUP not passed on: Java " + runningFeature
                    + " cannot tell the child JVM's process id; send SIGHUP to the child JVM itself");
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-HUP", pid.toString())
                    .inheritIO()
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                err.println("servicekit launcher: kill -HUP " + pid + " failed; send SIGHUP to the child JVM itself");
            }
        } catch (IOException e) {
            err.println("servicekit launcher: cannot run kill -HUP " + pid + " (" + e.getMessage()
                    + "); send SIGHUP to the child JVM itself");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code Process#pid()} (Java 9+), or null on Java 8. */
    private static Long pid(Process process) {
        try {
            return (Long) Process.class.getMethod("pid").invoke(process);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static void handle(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            InvocationHandler dispatch = (proxy, method, args) -> {
                switch (method.getName()) {
                    case "handle":
                        action.run();
                        return null;
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    default:
                        return "servicekit launcher SIG" + name + " handler";
                }
            };
            Object handler = Proxy.newProxyInstance(
                    SignalForwarding.class.getClassLoader(), new Class<?>[] {handlerClass}, dispatch);
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        } catch (InvocationTargetException e) {
            // IllegalArgumentException: the platform has no such signal, or the JVM keeps it (-Xrs); skip it.
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // A JVM without sun.misc.Signal: signals keep their default action.
        }
    }
}
