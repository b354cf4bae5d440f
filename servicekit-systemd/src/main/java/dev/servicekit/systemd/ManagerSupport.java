package dev.servicekit.systemd;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What {@link SystemdServiceManager} and {@link LaunchdServiceManager} do alike: the root check (exit 77), the
 * {@code --root} check, writing files, judging a failed command, and polling for a state with a deadline. The
 * platform's words come in through {@link Wording}. Immutable and thread-safe.
 */
final class ManagerSupport {

    /**
     * How a platform names its things in messages.
     *
     * @param systemKind  a system-wide one, after "the system": {@code daemon}, {@code service}
     * @param sudoObject  what to run with sudo: {@code it}, {@code a system service}
     * @param userKind    a per-user one, after "as a": {@code LaunchAgent}, {@code service}
     * @param ownUserKind a per-user one with its article, before "of your own user": {@code an agent}, {@code a service}
     */
    record Wording(String systemKind, String sudoObject, String userKind, String ownUserKind) {
        Wording {
            Objects.requireNonNull(systemKind, "systemKind");
            Objects.requireNonNull(sudoObject, "sudoObject");
            Objects.requireNonNull(userKind, "userKind");
            Objects.requireNonNull(ownUserKind, "ownUserKind");
        }
    }

    private final Wording wording;
    private final LongSupplier effectiveUid;
    private final Duration waitTimeout;
    private final Duration pollInterval;

    ManagerSupport(Wording wording, LongSupplier effectiveUid, Duration waitTimeout, Duration pollInterval) {
        this.wording = Objects.requireNonNull(wording, "wording");
        this.effectiveUid = Objects.requireNonNull(effectiveUid, "effectiveUid");
        this.waitTimeout = Objects.requireNonNull(waitTimeout, "waitTimeout");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    }

    /** Fails with exit 77 when a system (not {@code --user}) service is managed without root. */
    void requireRoot(ServiceRef service, String verb) {
        if (!service.user() && effectiveUid.getAsLong() != 0) {
            throw new ServiceManagerException(
                    "Cannot " + verb + " the system " + wording.systemKind() + " " + service.id()
                            + " as a regular user: " + verb + " " + wording.sudoObject()
                            + " with sudo, or add --user to " + verb
                            + " it as a " + wording.userKind() + " of your own user",
                    ExitCode.PERMISSION_DENIED);
        }
    }

    /** Fails with exit 2 when the service is only staged under {@code --root}: there is nothing to drive. */
    static void requireLive(ServiceRef service, String verb) {
        if (service.root().isPresent()) {
            throw new ServiceManagerException(
                    "Cannot " + verb + " " + service.id() + " under --root "
                            + service.root().get() + ": --root only stages files; " + verb + " it on the target system",
                    ExitCode.USAGE);
        }
    }

    /** The status of a service whose file was written under {@code --root}: installed, not running. */
    static ServiceStatus staged(Path file) {
        return new ServiceStatus(
                true, false, "staged at " + file, OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty());
    }

    /**
     * Throws for a command that failed: exit 77 when what it said contains one of {@code refusals} (lower case),
     * else exit 1 with {@code hint} appended.
     */
    void check(CommandResult result, String command, List<String> refusals, String hint) {
        if (result.ok()) {
            return;
        }
        String said = result.said();
        String lower = said.toLowerCase(Locale.ROOT);
        if (refusals.stream().anyMatch(lower::contains)) {
            throw new ServiceManagerException(
                    "\"" + command + "\" was refused: " + said + "; run it with sudo, or use --user for "
                            + wording.ownUserKind() + " of your own user",
                    ExitCode.PERMISSION_DENIED);
        }
        throw new ServiceManagerException(
                "\"" + command + "\" failed (exit " + result.exitCode() + "): " + said + hint, ExitCode.FAILURE);
    }

    /** Creates a directory and its parents. */
    void createDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (AccessDeniedException e) {
            throw new ServiceManagerException(
                    "Cannot create \"" + directory + "\": permission denied; use sudo, or --user for "
                            + wording.ownUserKind() + " of your own user",
                    ExitCode.PERMISSION_DENIED,
                    e);
        } catch (IOException e) {
            throw new ServiceManagerException(
                    "Cannot create \"" + directory + "\": " + e.getMessage(), ExitCode.FAILURE, e);
        }
    }

    /**
     * Writes atomically (a sibling {@code .tmp} file moved over the target), creating the parent directories; with
     * {@code permissions} present the file gets that mode, else the default one.
     */
    void write(Path file, String content, Optional<Set<PosixFilePermission>> permissions) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            if (permissions.isPresent()) {
                Files.setPosixFilePermissions(temporary, permissions.get());
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AccessDeniedException e) {
            throw new ServiceManagerException(
                    "Cannot write \"" + file + "\": permission denied; use sudo, or --user for " + wording.ownUserKind()
                            + " of your own user",
                    ExitCode.PERMISSION_DENIED,
                    e);
        } catch (IOException e) {
            throw new ServiceManagerException("Cannot write \"" + file + "\": " + e.getMessage(), ExitCode.FAILURE, e);
        }
    }

    /**
     * Reports "Starting name…", waits until the service runs or has ended, and reports "running (n s)".
     *
     * @param poll    reads the current state
     * @param failure the exception for a service that did not start, given its last state and what went wrong
     */
    <S> void awaitRunning(
            String name,
            Progress progress,
            Supplier<S> poll,
            Predicate<S> running,
            Predicate<S> ended,
            BiFunction<S, String, ServiceManagerException> failure) {
        long begun = System.nanoTime();
        progress.step("Starting " + name + "…");
        awaitRunning(name, progress, begun, poll, running, ended, failure);
    }

    /**
     * Waits until the service runs or has ended and reports "running (n s)", the time since {@code begunNanos}: for a
     * manager whose start command itself blocks until the service is up (systemd's {@code Type=notify}), the moment
     * the caller reported "Starting name…" and asked for the start, so the time shown is the whole start.
     *
     * @param begunNanos {@link System#nanoTime()} when the start was asked for
     */
    <S> void awaitRunning(
            String name,
            Progress progress,
            long begunNanos,
            Supplier<S> poll,
            Predicate<S> running,
            Predicate<S> ended,
            BiFunction<S, String, ServiceManagerException> failure) {
        S status = await(name, poll, running.or(ended), "start", failure);
        if (!running.test(status)) {
            throw failure.apply(status, "did not start");
        }
        progress.step("running (" + seconds(begunNanos) + ")");
    }

    /**
     * Polls until {@code done} holds or the wait timeout passes (the service managers' tools have no "wait for state").
     *
     * @param what    the verb waited for, as in "did not {@code what} within 120 s"
     * @param failure the exception for the timeout, given the last state and what went wrong
     */
    <S> S await(
            String name,
            Supplier<S> poll,
            Predicate<S> done,
            String what,
            BiFunction<S, String, ServiceManagerException> failure) {
        long deadline = System.nanoTime() + waitTimeout.toNanos();
        while (true) {
            S status = poll.get();
            if (done.test(status)) {
                return status;
            }
            if (System.nanoTime() - deadline > 0) {
                throw failure.apply(status, "did not " + what + " within " + waitTimeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceManagerException(
                        "Interrupted while waiting for " + name + " to " + what, ExitCode.FAILURE, e);
            }
        }
    }

    /** The time since {@code begunNanos}, e.g. {@code 1.5 s}. */
    static String seconds(long begunNanos) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - begunNanos) / 1e9);
    }
}
