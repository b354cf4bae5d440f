package dev.servicekit.users;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM whose data directory is a mount of its own: {@code unshare -m --propagation private} gives the child a
 * private mount namespace (root, as here and in CI), a small script mounts a size-limited tmpfs on the data directory
 * in it and {@code exec}s {@code java}, so the child keeps the pid {@link dev.servicekit.testing.ServiceProcess} knows.
 * The test reaches the mount through {@code /proc/<pid>/root} (paths resolve in the child's namespace) and changes
 * it with {@code nsenter -t <pid> -m}; nothing is mounted in the test's own namespace, and the mount is gone with the
 * child.
 */
final class PrivateMounts {

    static final Path UNSHARE = Path.of("/usr/bin/unshare");
    static final Path NSENTER = Path.of("/usr/bin/nsenter");

    private PrivateMounts() {}

    /**
     * Why a private tmpfs cannot be mounted here (util-linux missing, not root, no {@code CAP_SYS_ADMIN}), tried for
     * real on {@code scratch}; empty when it can.
     */
    static Optional<String> unavailable(Path scratch) {
        if (!Files.isExecutable(UNSHARE) || !Files.isExecutable(NSENTER)) {
            return Optional.of("util-linux's unshare or nsenter is missing; apt-get install util-linux");
        }
        try {
            Path point = Files.createDirectories(scratch.resolve("mount-probe"));
            Process probe = new ProcessBuilder(
                            UNSHARE.toString(),
                            "-m",
                            "--propagation",
                            "private",
                            "sh",
                            "-c",
                            "mount -t tmpfs -o size=64k tmpfs \"$0\" && mount -o remount,ro,bind \"$0\"",
                            point.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                return Optional.of(
                        "unshare -m or mount is not permitted here (needs root with CAP_SYS_ADMIN): " + output.strip());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot run unshare: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing unshare");
        }
    }

    /**
     * Writes a {@code java} for {@link dev.servicekit.testing.ServiceProcess.Builder#java} that starts the JVM in a
     * private mount namespace with a tmpfs of {@code size} (e.g. {@code 4m}) on {@code dataDir}, and with
     * {@code prefix} (e.g. {@code prlimit --nofile=...}) before {@code java} when given.
     */
    static Path javaOnTmpfs(Path scriptDir, Path dataDir, String size, String... prefix) {
        return javaWithMount(scriptDir, "-t tmpfs -o size=" + size + " tmpfs", dataDir, prefix);
    }

    /**
     * Like {@link #javaOnTmpfs}, mounting {@code mountArguments} (e.g. {@code -o loop,errors=remount-ro image.ext4})
     * on {@code dataDir}.
     */
    static Path javaWithMount(Path scriptDir, String mountArguments, Path dataDir, String... prefix) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String script = "#!/bin/sh\n"
                + "# the data dir mounted in a private mount namespace, then this same process becomes the JVM\n"
                + "exec " + UNSHARE + " -m --propagation private sh -c 'mount " + mountArguments + " \""
                + dataDir + "\" && exec \"$@\"' sh " + String.join(" ", prefix) + " " + java + " \"$@\"\n";
        try {
            Files.createDirectories(dataDir);
            Path file = Files.writeString(scriptDir.resolve("java-with-mount"), script);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code path} as the process {@code pid} sees it, in its own mount namespace. */
    static Path seenBy(long pid, Path path) {
        return Path.of("/proc/" + pid + "/root" + path.toAbsolutePath());
    }

    /**
     * Runs {@code command} in the mount namespace of {@code pid} ({@code nsenter -t pid -m}) and returns its output.
     *
     * @throws AssertionError if it fails
     */
    static String inNamespaceOf(long pid, String... command) {
        List<String> all = new ArrayList<>(List.of(NSENTER.toString(), "-t", Long.toString(pid), "-m", "--"));
        all.addAll(List.of(command));
        return run(all, 0);
    }

    /**
     * Runs {@code command} and returns its output.
     *
     * @throws AssertionError if it exits with a code above {@code maxExitCode}
     */
    static String run(List<String> command, int maxExitCode) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() > maxExitCode) {
                throw new AssertionError(command + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
