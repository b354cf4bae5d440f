package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.http.HttpConfigKeys;
import dev.servicekit.spi.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code restore --from FILE}: puts a backup ({@link BackupCommand}) in place of the configured store. PostgreSQL:
 * after the listener check and the verification, {@link PostgresRestore} (refuses unless it gets the store's advisory
 * lock exclusively, which every running instance holds shared, or while an instance is connected; holds it throughout,
 * moves the tables into schema {@code before_restore_<UTC time>}, runs {@code pg_restore} or the import). SQLite:
 * refuses while the service runs (its management listener answers, or a process holds the database's lock,
 * {@link SqliteFileLock}), verifies the backup first ({@link Backups#verify}; a bad one changes nothing), copies it
 * beside the database under a temp name and forces it to disk, moves the current database (with its {@code -wal} and
 * {@code -shm}) aside as {@code users.db.before-restore-<UTC time>}, and renames the copy into place. Exit codes:
 * 0 restored, 65 the backup fails a check, 78 invalid configuration, 1 anything else (the service runs, say).
 */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Replaces the configured store's data with a backup, keeping the replaced data aside: SQLite as"
                    + " users.db.before-restore-<UTC time>, PostgreSQL in schema before_restore_<UTC time>.",
            "Refuses while the service runs (stop it first), and verifies the backup before anything is changed:"
                    + " a truncated or altered backup exits 65 and leaves the database as it was."
        })
final class RestoreCommand implements Callable<Integer> {

    /** The suffix of the database a restore moved aside, before its time: {@code users.db.before-restore-<time>}. */
    static final String ASIDE = ".before-restore-";

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final ServiceCli.CommandContext context;
    private final String serviceName;
    private final Clock clock;

    @Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    @Option(names = "--from", required = true, paramLabel = "FILE", description = "The backup 'backup --to' wrote.")
    Path from;

    RestoreCommand(ServiceCli.CommandContext context, String serviceName, Clock clock) {
        this.context = context;
        this.serviceName = serviceName;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        String name = serviceName + ": restore: ";
        PrintStream err = context.err();
        Config config = context.loadConfig(options);
        StoreConfig storeConfig = DataCommand.persistentStore(config, "restore", serviceName);
        Optional<Path> sqlite =
                storeConfig.sqlitePath().map(path -> path.toAbsolutePath().normalize());
        String where = sqlite.map(Path::toString).orElseGet(() -> StoreConfig.redact(storeConfig.url()));
        Optional<String> listener = answeringManagementListener(config);
        if (listener.isPresent()) {
            err.println(name + serviceName + " is running (its management listener answers at " + listener.get()
                    + "), and a restore replaces the database under it; stop it first ('" + serviceName
                    + " stop', or Ctrl+C / kill -TERM for 'run'), then restore again. Nothing was changed.");
            return ExitCode.FAILURE.code();
        }
        Path backup = from.toAbsolutePath().normalize();
        BackupManifest manifest;
        try {
            manifest = Backups.verify(backup);
        } catch (BackupException e) {
            err.println(name + e.getMessage());
            err.println("Nothing was changed: '" + where + "' is as it was.");
            return ExitCode.DATA_ERROR.code();
        }
        if (sqlite.isEmpty()) {
            return restorePostgresql(storeConfig, backup, manifest);
        }
        Path database = sqlite.get();
        if (!manifest.payload().equals(BackupManifest.SQLITE)) {
            err.println(name + "backup '" + backup + "' holds a '" + manifest.payload() + "' payload, and the"
                    + " configured store is SQLite; restore it into the store it came from. Nothing was changed.");
            return ExitCode.DATA_ERROR.code();
        }
        try {
            Files.createDirectories(database.getParent());
            Optional<SqliteFileLock> lock = SqliteFileLock.tryExclusive(database);
            if (lock.isEmpty()) {
                err.println(name + "SQLite database '" + database + "' is open in another process ("
                        + SqliteFileLock.lockFileOf(database).getFileName() + " is locked): " + serviceName
                        + " runs, or a 'data export' does; stop it first ('" + serviceName + " stop'), then restore"
                        + " again. Nothing was changed.");
                return ExitCode.FAILURE.code();
            }
            try {
                List<Path> aside = replace(database, backup, manifest);
                PrintStream out = context.out();
                out.println("Restored " + manifest.users() + " users from " + backup + " into " + database);
                BackupCommand.printSummary(out, manifest);
                if (aside.isEmpty()) {
                    out.println("  replaced: nothing (there was no database)");
                } else {
                    out.println("  replaced: moved aside as " + aside.getFirst()
                            + (aside.size() > 1 ? " (with its " + (aside.size() - 1) + " -wal/-shm file(s))" : ""));
                }
                out.println("Start " + serviceName + " now ('" + serviceName + " start' or 'run').");
                return ExitCode.OK.code();
            } finally {
                lock.get().close();
            }
        } catch (IOException | UncheckedIOException e) {
            err.println(name + "cannot restore into '" + database + "': " + e.getMessage()
                    + "; run restore as the service account, which owns the data directory");
            return ExitCode.FAILURE.code();
        }
    }

    /** The PostgreSQL part of {@link #call()}: after the listener check and the verification. */
    private int restorePostgresql(StoreConfig storeConfig, Path backup, BackupManifest manifest) {
        String name = serviceName + ": restore: ";
        PrintStream err = context.err();
        if (!manifest.payload().equals(BackupManifest.PG_DUMP)
                && !manifest.payload().equals(BackupManifest.JSONL)) {
            err.println(name + "backup '" + backup + "' holds a '" + manifest.payload() + "' payload, and the"
                    + " configured store is PostgreSQL; restore it into the store it came from (or move it with"
                    + " 'data export'/'data import'). Nothing was changed.");
            return ExitCode.DATA_ERROR.code();
        }
        try {
            PostgresRestore.Result result = new PostgresRestore(
                            storeConfig, storeConfig.passwordFile().map(StorePassword::load), clock)
                    .restore(backup, manifest);
            PrintStream out = context.out();
            out.println("Restored " + manifest.users() + " users from " + backup + " into "
                    + StoreConfig.redact(storeConfig.url()));
            BackupCommand.printSummary(out, manifest);
            out.println(result.asideSchema()
                    .map(schema -> "  replaced: moved aside into schema " + schema + " (tables "
                            + String.join(", ", result.movedTables()) + ")")
                    .orElse("  replaced: nothing (there were no tables)"));
            out.println("Start " + serviceName + " now ('" + serviceName + " start' or 'run').");
            return ExitCode.OK.code();
        } catch (PostgresRestore.RunningException e) {
            if (e.instance()) {
                err.println(name + e.getMessage() + ", and a restore replaces the tables under it; stop every"
                        + " instance first ('" + serviceName + " stop' on each host), then restore again. Nothing was"
                        + " changed.");
            } else {
                err.println(name + e.getMessage() + "; a backup or another restore runs: let it end, then restore"
                        + " again. Nothing was changed.");
            }
            return ExitCode.FAILURE.code();
        } catch (StoreException | IllegalArgumentException | UncheckedIOException e) {
            err.println(name + e.getMessage());
            return ExitCode.FAILURE.code();
        }
    }

    /**
     * Copies the backup beside the database (temp name, forced to disk, checked against the manifest), moves the
     * database and its {@code -wal}/{@code -shm} aside, renames the copy into place; if that fails, moves them back.
     *
     * @return the files moved aside, the database first; empty when there was none
     */
    private List<Path> replace(Path database, Path backup, BackupManifest manifest) throws IOException {
        Path dir = database.getParent();
        Path copy = Backups.ownerOnlyTempFile(dir, database.getFileName() + ".restore");
        try {
            // Into the owner-only temp file itself: Files.copy would make a new file with the default permissions.
            try (InputStream in = Files.newInputStream(backup);
                    OutputStream target = Files.newOutputStream(copy, StandardOpenOption.TRUNCATE_EXISTING)) {
                in.transferTo(target);
            }
            Backups.force(copy);
            String sha256 = Backups.sha256(copy);
            if (!sha256.equals(manifest.sha256())) {
                throw new IOException("the copy of '" + backup + "' in '" + dir + "' reads back with SHA-256 " + sha256
                        + ", not " + manifest.sha256() + " (a failing disk?)");
            }
            sameOwnerAs(database, copy);
            String stamp = STAMP.format(clock.instant());
            Path asideDatabase = dir.resolve(database.getFileName() + ASIDE + stamp);
            for (int n = 2; Files.exists(asideDatabase); n++) {
                asideDatabase = dir.resolve(database.getFileName() + ASIDE + stamp + "-" + n);
            }
            List<Path[]> moved = new ArrayList<>();
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path source = dir.resolve(database.getFileName() + suffix);
                if (Files.exists(source)) {
                    Path target = dir.resolve(asideDatabase.getFileName() + suffix);
                    Backups.move(source, target);
                    moved.add(new Path[] {source, target});
                }
            }
            try {
                Backups.move(copy, database);
            } catch (IOException e) {
                for (Path[] pair : moved) {
                    Backups.move(pair[1], pair[0]);
                }
                throw e;
            }
            Backups.forceDirectory(dir);
            return moved.stream().map(pair -> pair[1]).toList();
        } catch (IOException | RuntimeException e) {
            Backups.deleteQuietly(copy, e);
            throw e;
        }
    }

    /** Run as root, the restored file keeps the replaced database's owner, so the service account can open it. */
    private static void sameOwnerAs(Path database, Path copy) {
        if (!Files.exists(database)) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(copy, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            var old = Files.readAttributes(database, java.nio.file.attribute.PosixFileAttributes.class);
            if (!old.owner().equals(Files.getOwner(copy))) {
                view.setOwner(old.owner());
                view.setGroup(old.group());
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not permitted (not root): the file belongs to whoever restores, as the message on failure says.
        }
    }

    /** The management listener's address when something answers there (on loopback, a fixed port), else empty. */
    private static Optional<String> answeringManagementListener(Config config) {
        String host = config.get(HttpConfigKeys.MANAGEMENT_HOST);
        int port = config.get(HttpConfigKeys.MANAGEMENT_PORT);
        if (port == 0) {
            return Optional.empty(); // a random port cannot be found again; the database's lock still guards
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return Optional.of(host + ":" + port);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
