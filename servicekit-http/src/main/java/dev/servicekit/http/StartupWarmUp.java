package dev.servicekit.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.helidon.common.mapper.Mappers;
import io.helidon.http.HeaderValues;
import io.helidon.http.PathMatchers;
import io.helidon.service.registry.GlobalServiceRegistry;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Work that a service start would do later, done early on a thread of its own while the main thread reads the
 * command line and the configuration: on a machine with a second core, the two overlap.
 *
 * <p>What it does is what the start and the first request need anyway and what does not depend on the
 * configuration: Helidon's global service registry and mappers (which the first listener would start, about 500
 * classes), a listener's configuration prototype and routing builder, the JVM's management beans (the metric
 * binders read them), and nimbus-jose-jwt's parsing and HS256 verification of a token it signs itself with a random
 * key (the JCA provider lookup of the first HMAC), and a mapping of zero bytes of one of the JDK's files (the JDK's
 * reflective constructor of mapped buffers). It binds no socket, writes no file and reads no byte of one, registers
 * nothing, logs nothing and changes no global setting: the registry and mapper manager it creates are the ones the
 * main thread would create with the same defaults. Whatever fails here is ignored; the main thread does the same work
 * again and reports its own failures.
 *
 * <p>Contract: {@link #begin} starts it only for the verbs that start the service ({@code run}, {@code service}) and
 * not when the system property {@value #PROPERTY} is {@code false}; {@link #awaitDone} must be called before the main
 * thread first uses Helidon or the management beans, and {@link #awaitNimbusDone} before it first uses
 * nimbus-jose-jwt, so that no class of those libraries is ever initialised by both threads at once (two threads
 * initialising classes that refer to each other can deadlock). Between the two the main thread may use Helidon, the
 * management beans, Micrometer and the JDK, which the warm-up no longer touches, while the warm-up uses nimbus-jose-jwt
 * and the JDK. The file mapping comes last and may run beside the main thread: it touches only the JDK's own classes,
 * which are safe to initialise from two threads.
 */
final class StartupWarmUp {

    /** System property that, {@code false}, turns the warm-up off: {@value}. */
    static final String PROPERTY = "servicekit.warm-up";

    /** The longest {@link #awaitDone} waits; the warm-up takes about 0.2 s on a loaded 2-core machine. */
    static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private static final Object LOCK = new Object();
    private static Thread running;
    /** Counted down when the warm-up is done with Helidon and the management beans; {@link #awaitDone} waits for it. */
    private static final CountDownLatch HELIDON_AND_BEANS_DONE = new CountDownLatch(1);
    /** Counted down when the warm-up is done with nimbus-jose-jwt; {@link #awaitNimbusDone} waits for it. */
    private static final CountDownLatch NIMBUS_DONE = new CountDownLatch(1);
    /** The steps of the last warm-up that have run, in order; for tests. */
    private static final List<String> RUN_STEPS = new CopyOnWriteArrayList<>();
    /** The steps that threw, by name, with what they threw; for tests: a failing step would go unnoticed. */
    private static final List<String> FAILED_STEPS = new CopyOnWriteArrayList<>();

    private StartupWarmUp() {}

    /**
     * Starts the warm-up on a daemon thread when {@code args} name a verb that starts the service and
     * {@value #PROPERTY} is not {@code false}; does nothing otherwise, or when one was started already.
     *
     * @return whether a warm-up thread was started
     */
    static boolean begin(String[] args) {
        Objects.requireNonNull(args, "args");
        if (!startsTheService(args)
                || "false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim())) {
            return false;
        }
        synchronized (LOCK) {
            if (running != null) {
                return false;
            }
            Thread thread = new Thread(StartupWarmUp::warmUp, "servicekit-warm-up");
            thread.setDaemon(true);
            running = thread;
            thread.start();
            return true;
        }
    }

    /**
     * Waits until a warm-up started by {@link #begin} is done with Helidon and the management beans (at most
     * {@link #MAX_WAIT}); returns at once when none was started. What it does after that, nimbus-jose-jwt's token
     * verification ({@link #awaitNimbusDone}) and then the file mapping, goes on beside the main thread. Safe to call
     * any number of times, from any thread.
     */
    static void awaitDone() {
        await(HELIDON_AND_BEANS_DONE);
    }

    /**
     * Waits until a warm-up started by {@link #begin} is done with nimbus-jose-jwt as well (at most
     * {@link #MAX_WAIT}); returns at once when none was started. Call it before the main thread's first use of
     * nimbus-jose-jwt, after {@link #awaitDone}.
     */
    static void awaitNimbusDone() {
        await(NIMBUS_DONE);
    }

    private static void await(CountDownLatch latch) {
        synchronized (LOCK) {
            if (running == null) {
                return;
            }
        }
        try {
            latch.await(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until a warm-up started by {@link #begin} has run every step (at most {@link #MAX_WAIT}); for tests. */
    static void awaitFinished() throws InterruptedException {
        Thread thread;
        synchronized (LOCK) {
            thread = running;
        }
        if (thread != null) {
            thread.join(MAX_WAIT.toMillis());
        }
    }

    /** Whether {@code args} start the service: the verb {@code run} or {@code service}. */
    static boolean startsTheService(String[] args) {
        return args.length > 0 && ("run".equals(args[0]) || "service".equals(args[0]));
    }

    /** The steps of the last warm-up that failed, as "step: what it threw"; empty when all of them worked. */
    static List<String> failedSteps() {
        return List.copyOf(FAILED_STEPS);
    }

    /** The steps of the last warm-up that have run so far, in order, whether they failed or not. */
    static List<String> runSteps() {
        return List.copyOf(RUN_STEPS);
    }

    private static void warmUp() {
        // In the order the main thread first uses them (HttpService.start): the management beans for the metrics,
        // then nimbus-jose-jwt for the authenticator; Helidon first, being the longest and used by both.
        try {
            runIgnoringFailures("helidon", StartupWarmUp::helidon);
            runIgnoringFailures("management beans", StartupWarmUp::managementBeans);
        } finally {
            HELIDON_AND_BEANS_DONE.countDown();
        }
        try {
            runIgnoringFailures("token verification", StartupWarmUp::tokenVerification);
        } finally {
            NIMBUS_DONE.countDown();
        }
        // Only the JDK from here on, so the main thread need not wait for it.
        runIgnoringFailures("file mapping", StartupWarmUp::fileMapping);
    }

    private static void runIgnoringFailures(String name, Runnable step) {
        try {
            RUN_STEPS.add(name);
            step.run();
        } catch (RuntimeException | LinkageError e) {
            // The main thread does the same work and reports its own failure; kept for failedSteps() only.
            FAILED_STEPS.add(name + ": " + e);
        }
    }

    private static void helidon() {
        GlobalServiceRegistry.registry().get(Mappers.class);
        Objects.requireNonNull(HeaderValues.CONNECTION_CLOSE);
        PathMatchers.create("/warm-up");
        WebServer.builder()
                .port(0)
                .shutdownHook(false)
                .protocolsDiscoverServices(false)
                .routing(HttpRouting.builder())
                .buildPrototype();
    }

    private static void managementBeans() {
        ManagementFactory.getMemoryMXBean();
        ManagementFactory.getMemoryPoolMXBeans();
        ManagementFactory.getGarbageCollectorMXBeans();
        ManagementFactory.getThreadMXBean();
        ManagementFactory.getClassLoadingMXBean();
        ManagementFactory.getOperatingSystemMXBean();
        ManagementFactory.getRuntimeMXBean();
    }

    /**
     * Maps zero bytes of the JDK's {@code release} file. The JDK makes every mapped buffer through a reflective
     * constructor, whose first use generates about two dozen method-handle classes at run time, even with an AOT cache
     * (docs/performance.md, "Classes generated at run time"); a store that maps a file (the SQLite store's cache
     * maps its database's WAL-index header) then finds them made. Zero bytes map nothing and need no unmapping.
     */
    private static void fileMapping() {
        Path release = Path.of(System.getProperty("java.home"), "release");
        try (FileChannel channel = FileChannel.open(release, StandardOpenOption.READ)) {
            channel.map(FileChannel.MapMode.READ_ONLY, 0, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void tokenVerification() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try {
            Date now = new Date();
            SignedJWT signed = new SignedJWT(
                    new JWSHeader(JWSAlgorithm.HS256),
                    new JWTClaimsSet.Builder()
                            .subject("warm-up")
                            .issueTime(now)
                            .expirationTime(new Date(now.getTime() + 60_000))
                            .build());
            signed.sign(new MACSigner(secret));
            DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
            processor.setJWSKeySelector(
                    new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(secret)));
            processor.process((SignedJWT) JWTParser.parse(signed.serialize()), null);
        } catch (JOSEException | BadJOSEException | ParseException e) {
            throw new IllegalStateException(
                    "warm-up token verification failed: " + e.getMessage().toLowerCase(Locale.ROOT), e);
        }
    }
}
