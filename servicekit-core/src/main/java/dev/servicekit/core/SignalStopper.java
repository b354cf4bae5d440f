package dev.servicekit.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM and SIGINT into a graceful {@link ServiceHost#stop()}; a second signal while stopping
 * exits at once. SIGHUP asks for a reload (systemd's {@code ExecReload}, the daemon's {@code reload}). Uses
 * {@code sun.misc.Signal} (module jdk.unsupported, supported on every JDK) because a JVM shutdown hook cannot tell
 * a first signal from a second one, and code in a shutdown hook races the JVM's own exit. It is reached through
 * reflection so that the build stays free of javac's "internal proprietary API" warning ({@code -Werror}).
 */
final class SignalStopper {

    private static final Logger LOG = LoggerFactory.getLogger(SignalStopper.class);

    private final ServiceHost host;
    private final Runnable forceExit;
    private final Runnable reload;
    private final AtomicInteger signals = new AtomicInteger();

    SignalStopper(ServiceHost host, Runnable forceExit, Runnable reload) {
        this.host = host;
        this.forceExit = forceExit;
        this.reload = reload;
    }

    /** Installs the handlers for TERM, INT and HUP (a platform without one of them just skips it). */
    void install() {
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            try {
                handle(name, () -> {
                    if (name.equals("HUP")) {
                        onReloadSignal();
                    } else {
                        onSignal("SIG" + name);
                    }
                });
            } catch (IllegalArgumentException e) {
                LOG.debug("Signal {} cannot be handled on this platform: {}", name, e.getMessage());
            }
        }
    }

    /**
     * {@code sun.misc.Signal.handle(new Signal(name), handler)}, through reflection.
     *
     * @throws IllegalArgumentException when the platform has no such signal or the JVM reserves it
     */
    private static void handle(String name, Runnable handler) {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object signal = signalType.getConstructor(String.class).newInstance(name);
            Object proxy = Proxy.newProxyInstance(
                    handlerType.getClassLoader(), new Class<?>[] {handlerType}, (self, method, args) -> {
                        return switch (method.getName()) {
                            case "handle" -> {
                                handler.run();
                                yield null;
                            }
                            case "hashCode" -> System.identityHashCode(self);
                            case "equals" -> self == args[0];
                            default -> "SignalStopper handler for SIG" + name;
                        };
                    });
            signalType.getMethod("handle", signalType, handlerType).invoke(null, signal, proxy);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException illegal) {
                throw illegal;
            }
            throw new IllegalStateException(
                    "Cannot install the SIG" + name + " handler: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "sun.misc.Signal (module jdk.unsupported) is missing from this JVM; "
                            + "run on a full JDK or JRE, not a jlink image without jdk.unsupported",
                    e);
        }
    }

    void onReloadSignal() {
        LOG.info("Received SIGHUP; reloading the configuration");
        Thread reloader = new Thread(reload, "signal-reload");
        reloader.setDaemon(true);
        reloader.start();
    }

    void onSignal(String name) {
        if (signals.incrementAndGet() == 1) {
            LOG.info("Received {}; stopping gracefully (send it again to exit at once)", name);
            new Thread(host::stop, "signal-stop").start();
        } else {
            LOG.warn("Received {} again; exiting now without waiting for in-flight work", name);
            forceExit.run();
        }
    }
}
