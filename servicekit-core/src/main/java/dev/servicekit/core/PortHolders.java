package dev.servicekit.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Who listens on a TCP port, from {@code /proc}: the listening sockets of {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (state {@code 0A}) give each socket's inode and owner uid, and the
 * {@code /proc/<pid>/fd/*} links ({@code socket:[inode]}) the process that holds it. Processes of other accounts
 * cannot be looked into without root: such a holder is known only by its uid. Where there is no {@code /proc}
 * (macOS, Windows) nothing is known, which {@link #supported()} says. The {@code /proc} root is injectable for tests.
 */
final class PortHolders {

    /** {@code st} of a listening socket in {@code /proc/net/tcp}. */
    private static final String LISTEN = "0A";

    private final Path proc;

    PortHolders(Path proc) {
        this.proc = Objects.requireNonNull(proc, "proc");
    }

    /** The live system's {@code /proc}. */
    static PortHolders system() {
        return new PortHolders(Path.of("/proc"));
    }

    /**
     * One holder of the port.
     *
     * @param uid     the socket owner's uid
     * @param pid     the process holding the socket; empty when this account cannot see it
     * @param command the process's command line (or its name), when visible
     */
    record Holder(int uid, OptionalLong pid, Optional<String> command) {

        /** {@code pid 4242 (java -jar users-service.jar run)}, or {@code a process of uid 0 …}. */
        String describe() {
            if (pid.isEmpty()) {
                return "a process of uid " + uid + " that this account cannot see (run doctor as root to name it)";
            }
            return "pid " + pid.getAsLong() + command.map(c -> " (" + c + ")").orElse("") + ", uid " + uid;
        }
    }

    /** Whether this system tells who holds a port. */
    boolean supported() {
        return Files.isReadable(proc.resolve("net").resolve("tcp"));
    }

    /** Every process listening on {@code port} (IPv4 or IPv6, any address), one per socket; empty when none is known. */
    List<Holder> listening(int port) {
        Map<Long, Integer> inodes = new HashMap<>(); // socket inode -> owner uid
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(proc.resolve("net").resolve(table), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] fields = line.strip().split("\\s+");
                if (fields.length < 10 || !fields[3].equals(LISTEN)) {
                    continue;
                }
                int colon = fields[1].lastIndexOf(':');
                try {
                    if (Integer.parseInt(fields[1].substring(colon + 1), 16) == port) {
                        long inode = Long.parseLong(fields[9]);
                        if (inode != 0) {
                            inodes.put(inode, Integer.parseInt(fields[7]));
                        }
                    }
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    // a line in another format is skipped
                }
            }
        }
        if (inodes.isEmpty()) {
            return List.of();
        }
        Map<Long, Long> owners = owners(inodes);
        List<Holder> holders = new ArrayList<>();
        inodes.forEach((inode, uid) -> {
            Long pid = owners.get(inode);
            holders.add(
                    pid == null
                            ? new Holder(uid, OptionalLong.empty(), Optional.empty())
                            : new Holder(uid, OptionalLong.of(pid), command(pid)));
        });
        return holders;
    }

    /** Socket inode to the pid whose open files include it, for the processes this account may look into. */
    private Map<Long, Long> owners(Map<Long, Integer> wanted) {
        Map<Long, Long> owners = new HashMap<>();
        try (DirectoryStream<Path> processes =
                Files.newDirectoryStream(proc, p -> isNumber(p.getFileName().toString()))) {
            for (Path process : processes) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        String target;
                        try {
                            target = Files.readSymbolicLink(fd).toString();
                        } catch (IOException | UnsupportedOperationException e) {
                            continue;
                        }
                        if (target.startsWith("socket:[") && target.endsWith("]")) {
                            long inode = Long.parseLong(target.substring(8, target.length() - 1));
                            if (wanted.containsKey(inode)) {
                                owners.putIfAbsent(
                                        inode,
                                        Long.parseLong(process.getFileName().toString()));
                            }
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // another account's process, or one that just exited
                }
                if (owners.size() == wanted.size()) {
                    break;
                }
            }
        } catch (IOException e) {
            return owners;
        }
        return owners;
    }

    private Optional<String> command(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        try {
            byte[] cmdline = Files.readAllBytes(dir.resolve("cmdline"));
            String text = new String(cmdline, StandardCharsets.UTF_8)
                    .replace('\0', ' ')
                    .strip();
            if (!text.isEmpty()) {
                return Optional.of(text.length() > 120 ? text.substring(0, 117) + "..." : text);
            }
            return Optional.of(Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8)
                    .strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isNumber(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
