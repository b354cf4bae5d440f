package dev.servicekit.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns SIGTERM and SIGINT into a graceful {@link ServiceHost#stop()}; a second signal while stopping
 * exits at once. SIGHUP asks for a reload (systemd's {@code ExecReload}, the daemon's {@code reload}). Uses {@code sun.misc.Signal} (module jdk.unsupported, supported on every JDK) because
 * a JVM shutdown hook cannot tell a first signal from a second one, and code in a shutdown hook races
 * the JVM's own exit.
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
                Signal.handle(new Signal(name), this::onSignal);
            } catch (IllegalArgumentException e) {
                LOG.debug("Signal {} cannot be handled on this platform: {}", name, e.getMessage());
            }
        }
    }

    void onSignal(Signal signal) {
        if (signal.getName().equals("HUP")) {
            onReloadSignal();
        } else {
            onSignal("SIG" + signal.getName());
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
