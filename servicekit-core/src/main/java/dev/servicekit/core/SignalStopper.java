package dev.servicekit.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns SIGTERM and SIGINT into a graceful {@link ServiceHost#stop()}; a second signal while stopping
 * exits at once. Uses {@code sun.misc.Signal} (module jdk.unsupported, supported on every JDK) because
 * a JVM shutdown hook cannot tell a first signal from a second one, and code in a shutdown hook races
 * the JVM's own exit.
 */
final class SignalStopper {

    private static final Logger LOG = LoggerFactory.getLogger(SignalStopper.class);

    /** Exit status of a forced exit: 128 + SIGINT, as shells report an interrupted program. */
    static final int FORCED_EXIT = 130;

    private final ServiceHost host;
    private final Runnable forceExit;
    private final AtomicInteger signals = new AtomicInteger();

    SignalStopper(ServiceHost host, Runnable forceExit) {
        this.host = host;
        this.forceExit = forceExit;
    }

    /** Installs the handlers for TERM and INT (INT is absent on some platforms; that is fine). */
    void install() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), this::onSignal);
            } catch (IllegalArgumentException e) {
                LOG.debug("Signal {} cannot be handled on this platform: {}", name, e.getMessage());
            }
        }
    }

    void onSignal(Signal signal) {
        onSignal("SIG" + signal.getName());
    }

    void onSignal(String name) {
        if (signals.incrementAndGet() == 1) {
            LOG.info("Received {}; stopping gracefully (send it again to exit at once)", name);
            Thread.ofPlatform().name("signal-stop").start(host::stop);
        } else {
            LOG.warn("Received {} again; exiting now without waiting for in-flight work", name);
            forceExit.run();
        }
    }
}
