package dev.servicekit.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, from Debian's {@code postgresql} package: {@code initdb} into a temp
 * directory of its own, {@code postgres} on a free loopback port with its unix socket in that directory,
 * {@code fsync} on (tests check durability), password authentication ({@code scram-sha-256}) over TCP, and one
 * database owned by one login role with a random password. {@link #stop()} and {@link #start()} keep the data
 * directory and the port, so to clients a restart is the same server coming back; {@link #close()} stops it and
 * deletes the directory.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM runs as root, {@code initdb}, {@code postgres} and
 * {@code psql} run as the {@code postgres} OS user (created by Debian's package) through {@code setpriv}, which
 * executes them in place, so the signals {@link #stop()} sends reach the server itself; the directory is given to
 * that user. Otherwise they run as this JVM's user.
 *
 * {@snippet :
 * try (PostgresServer postgres = PostgresServer.launch()) {
 *     String url = postgres.jdbcUrl();          // jdbc:postgresql://127.0.0.1:<port>/app
 *     connect(url, postgres.username(), postgres.password());
 *     postgres.stop();                          // fast shutdown (SIGINT): clients are disconnected
 *     postgres.start();                         // same port, same data
 * }
 * }
 */
public final class PostgresServer implements AutoCloseable {

    /** Why tests that need PostgreSQL skip, when the server binaries cannot be found. */
    public static final String MISSING =
            "PostgreSQL server binaries not found (Debian package postgresql); install it to run this test";

    /** The login role and database every server starts with. */
    static final String APP = "app";

    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration STOPPED = Duration.ofSeconds(30);
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String RUN_AS = "postgres";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final String password;
    /** Stops the server and deletes its directory if the JVM exits without {@link #close()}. */
    private final Thread cleanup = new Thread(this::close, "postgres-server-cleanup");

    private Process process;

    private PostgresServer(Path bin, Path dir, int port, String password) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.password = password;
    }

    /**
     * Why PostgreSQL cannot run here, or empty when it can: no {@code initdb} and {@code postgres} under
     * {@code /usr/lib/postgresql/<version>/bin} or on the PATH ({@link #MISSING}), or this JVM runs as root and
     * there is no {@code postgres} OS user or no {@code setpriv} to run the server as that user.
     */
    public static Optional<String> unavailableReason() {
        if (binaries().isEmpty()) {
            return Optional.of(MISSING);
        }
        if (isRoot()) {
            if (!hasUser(RUN_AS)) {
                return Optional.of("PostgreSQL refuses to run as root and there is no '" + RUN_AS
                        + "' OS user to run it as; install Debian's postgresql package (it creates the user)");
            }
            if (onPath("setpriv").isEmpty()) {
                return Optional.of("PostgreSQL refuses to run as root and there is no `setpriv` (Debian package"
                        + " util-linux) to run it as the '" + RUN_AS + "' OS user");
            }
        }
        return Optional.empty();
    }

    /** Whether PostgreSQL can run here ({@link #unavailableReason()} is empty). */
    public static boolean available() {
        return unavailableReason().isEmpty();
    }

    /**
     * Creates a cluster in a new temp directory, starts it, creates the login role {@link #username()} with
     * {@link #password()} and its database, and returns once the server accepts connections.
     *
     * @throws IllegalStateException if PostgreSQL is unavailable ({@link #unavailableReason()}) or does not
     *     start within 60 s (the message holds the server's log)
     */
    public static PostgresServer launch() {
        unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        Path bin = binaries().orElseThrow();
        Path dir;
        try {
            dir = Files.createTempDirectory("servicekit-postgres-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temp directory for PostgreSQL: " + e.getMessage(), e);
        }
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        PostgresServer server =
                new PostgresServer(bin, dir, FreePorts.one(), HexFormat.of().formatHex(secret));
        Runtime.getRuntime().addShutdownHook(server.cleanup);
        try {
            server.initialize();
            server.start();
            server.psql("postgres", "CREATE ROLE " + APP + " LOGIN PASSWORD '" + server.password + "'");
            server.psql("postgres", "CREATE DATABASE " + APP + " OWNER " + APP);
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The JDBC URL of the server's database, {@code jdbc:postgresql://127.0.0.1:<port>/app}. */
    public String jdbcUrl() {
        return jdbcUrl(APP);
    }

    /** The JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + Objects.requireNonNull(database, "database");
    }

    /** The login role that owns the database ({@code app}). */
    public String username() {
        return APP;
    }

    /** The login role's password: random, different for every server. */
    public String password() {
        return password;
    }

    /** The TCP port on {@code 127.0.0.1}. */
    public int port() {
        return port;
    }

    /** The server's own directory: {@code data/} (the cluster), the unix socket, {@code postgres.log}. */
    public Path directory() {
        return dir;
    }

    /** Whether the server process runs. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the server again on the same data directory and port, and waits until it accepts connections.
     *
     * @throws IllegalStateException if it is already running or does not accept connections within 60 s
     */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("PostgreSQL is already running on port " + port);
        }
        List<String> command = List.of(
                bin.resolve("postgres").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-p",
                Integer.toString(port),
                "-k",
                dir.toString(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=on",
                "-c",
                "max_connections=200",
                "-c",
                "shared_buffers=32MB");
        try {
            process = new ProcessBuilder(asServerUser(command))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + READY.toNanos();
        while (!accepting()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("PostgreSQL on port " + port + " did not accept connections within "
                        + READY + " (alive: " + process.isAlive() + "); see " + log() + ":\n" + logText());
            }
            sleep(Duration.ofMillis(50));
        }
    }

    /**
     * Fast shutdown ({@code SIGINT}: clients are disconnected, the server checkpoints and exits), waiting until the
     * process has exited; after 30 s it is killed. The data and the port stay for {@link #start()}. Does nothing
     * when the server is not running.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            run(List.of("kill", "-INT", Long.toString(process.pid())), false);
            try {
                if (!process.waitFor(STOPPED.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(STOPPED.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process = null;
    }

    /** Starts the server again after {@link #stop()}; see {@link #start()}. */
    public void restart() {
        stop();
        start();
    }

    /**
     * Creates an empty database owned by {@link #username()} and returns its JDBC URL.
     *
     * @param name a lower-case SQL identifier
     */
    public String createDatabase(String name) {
        psql("postgres", "CREATE DATABASE " + identifier(name) + " OWNER " + APP);
        return jdbcUrl(name);
    }

    /** Drops a database, disconnecting its clients. */
    public void dropDatabase(String name) {
        psql("postgres", "DROP DATABASE IF EXISTS " + identifier(name) + " WITH (FORCE)");
    }

    /**
     * Runs SQL as the superuser over the unix socket ({@code psql -v ON_ERROR_STOP=1}) and returns what it printed,
     * unaligned and without headers: one row per line, columns separated by {@code |}.
     *
     * @throws IllegalStateException if psql fails; the message holds its output
     */
    public String psql(String database, String sql) {
        return run(
                        asServerUser(List.of(
                                bin.resolve("psql").toString(),
                                "-h",
                                dir.toString(),
                                "-p",
                                Integer.toString(port),
                                "-U",
                                "postgres",
                                "-d",
                                identifier(database),
                                "-v",
                                "ON_ERROR_STOP=1",
                                "-X",
                                "-q",
                                "-A",
                                "-t",
                                "-c",
                                sql)),
                        true)
                .strip();
    }

    /** The server's log file. */
    public Path log() {
        return dir.resolve("postgres.log");
    }

    /** What the server wrote to its log so far. */
    public String logText() {
        try {
            return Files.readString(log(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        stop();
        deleteRecursively(dir);
        if (Thread.currentThread() != cleanup) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs or has run
            }
        }
    }

    private void initialize() {
        if (isRoot()) {
            giveToServerUser(dir);
        }
        run(
                asServerUser(List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        dir.resolve("data").toString(),
                        "-U",
                        "postgres",
                        "--auth-local=trust",
                        "--auth-host=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--locale=C",
                        // initdb's own final sync only; the server runs with fsync on.
                        "--no-sync")),
                true);
    }

    private boolean accepting() {
        try {
            Process ready = new ProcessBuilder(
                            bin.resolve("pg_isready").toString(),
                            "-h",
                            "127.0.0.1",
                            "-p",
                            Integer.toString(port),
                            "-t",
                            "1")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return ready.waitFor(10, TimeUnit.SECONDS) && ready.exitValue() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run pg_isready: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for PostgreSQL", e);
        }
    }

    private static List<String> asServerUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(
                onPath("setpriv").orElseThrow().toString(),
                "--reuid=" + RUN_AS,
                "--regid=" + RUN_AS,
                "--init-groups",
                "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static String run(List<String> command, boolean failOnError) {
        try {
            Process child =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new IllegalStateException(command.getFirst() + " did not finish within 60 s");
            }
            if (failOnError && child.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " failed (exit " + child.exitValue() + "):\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command.getFirst(), e);
        }
    }

    private static String identifier(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a plain lower-case SQL identifier");
        }
        return name;
    }

    private static void giveToServerUser(Path path) {
        try {
            UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(users.lookupPrincipalByName(RUN_AS));
            GroupPrincipal group = users.lookupPrincipalByGroupName(RUN_AS);
            view.setGroup(group);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot give " + path + " to the '" + RUN_AS + "' OS user: " + e.getMessage(), e);
        }
    }

    /** The directory holding initdb, postgres, psql and pg_isready: Debian's highest version, else the PATH's. */
    private static Optional<Path> binaries() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> highest = versions.map(version -> version.resolve("bin"))
                        .filter(PostgresServer::complete)
                        .max(Comparator.comparing((Path b) ->
                                versionNumber(b.getParent().getFileName().toString())));
                if (highest.isPresent()) {
                    return highest;
                }
            } catch (IOException e) {
                // fall through to the PATH
            }
        }
        return onPath("postgres").map(Path::getParent).filter(PostgresServer::complete);
    }

    private static boolean complete(Path bin) {
        return Stream.of("initdb", "postgres", "psql", "pg_isready")
                .allMatch(name -> Files.isExecutable(bin.resolve(name)));
    }

    private static double versionNumber(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Optional<Path> onPath(String name) {
        for (String entry :
                Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static boolean hasUser(String name) {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for PostgreSQL", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                    Files.delete(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
