package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.spi.ExitCode;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code data export [--to FILE]} and {@code data import --from FILE}: the users of the configured store
 * ({@code store.url}) as JSON Lines ({@link ExportFile}), to move them to another store, for example from SQLite
 * to PostgreSQL. Both open the store themselves (they do not talk to a running service) and read the configuration
 * as {@code run} does ({@code --config}, {@code --set}, environment). Exit codes: 0 done, 65 a bad line in the file
 * (or an email the target already has for another user), 78 invalid configuration, 1 anything else.
 */
@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Exports and imports the users as JSON Lines, to move them between stores.",
        subcommands = {DataCommand.Export.class, DataCommand.Import.class})
final class DataCommand implements Callable<Integer> {

    private final ServiceCli.CommandContext context;
    private final String serviceName;
    private final Clock clock;

    DataCommand(ServiceCli.CommandContext context, String serviceName, Clock clock) {
        this.context = context;
        this.serviceName = serviceName;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        context.err().println("Usage: " + serviceName + " data export [--to FILE] | data import --from FILE");
        return ExitCode.USAGE.code();
    }

    /** The store the configuration names; a store in memory has nothing to export and keeps nothing imported. */
    private StoreConfig storeConfig(Config config, String verb) {
        return persistentStore(config, "data " + verb, serviceName);
    }

    /**
     * The store the configuration names, refusing {@code memory:} (nothing to work on) as a configuration error.
     *
     * @param verb the command, for the message, e.g. {@code "data export"}
     * @throws ConfigException if {@code store.url} is {@code memory:}
     */
    static StoreConfig persistentStore(Config config, String verb, String serviceName) {
        StoreConfig store = UsersConfigKeys.storeConfig(config);
        if (store.url().equals(StoreConfig.MEMORY_URL)) {
            throw new ConfigException(List.of(new ConfigProblem(
                    UsersConfigKeys.STORE_URL.name(),
                    config.source(UsersConfigKeys.STORE_URL),
                    "is 'memory:', a store that lives inside one process only, so '" + verb + "' has nothing"
                            + " to work on; set store.url to the database, e.g. --set store.url=jdbc:sqlite:/var/lib/"
                            + serviceName + "/users.db")));
        }
        return store;
    }

    private PrintStream err() {
        return context.err();
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = {
                "Writes every user of the configured store, with password hashes, versions and timestamps, as JSON"
                        + " Lines to standard output or to --to FILE.",
                "Streams from one consistent snapshot; the service may keep running. With --to the file is written"
                        + " owner-only next to FILE and renamed over it when complete."
            })
    static final class Export implements Callable<Integer> {
        @ParentCommand
        DataCommand parent;

        @Mixin
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

        @Option(
                names = "--to",
                paramLabel = "FILE",
                description = "Write to FILE (owner-only: it holds password hashes) instead of standard output.")
        Path to;

        @Override
        public Integer call() {
            Config config = parent.context.loadConfig(options);
            StoreConfig storeConfig = parent.storeConfig(config, "export");
            if (storeConfig.sqlitePath().isPresent()
                    && !Files.exists(storeConfig.sqlitePath().get())) {
                parent.err()
                        .println(parent.serviceName + ": data export: store.url names '"
                                + storeConfig.sqlitePath().get() + "', which does not exist; check --config, --set"
                                + " store.url or data-dir");
                return ExitCode.FAILURE.code();
            }
            try (UserStore store = UserStores.open(storeConfig, parent.clock)) {
                if (to == null) {
                    PrintStream out = parent.context.out();
                    long users = DataTransfer.export(store, out, parent.clock.instant());
                    if (out.checkError()) {
                        parent.err()
                                .println(parent.serviceName
                                        + ": data export: writing to standard output failed (closed pipe or full"
                                        + " disk?); the output is incomplete and an import will refuse it");
                        return ExitCode.FAILURE.code();
                    }
                    parent.err().println("Exported " + users + " users from " + store.describe());
                } else {
                    long users = DataTransfer.exportToFile(store, to, parent.clock.instant());
                    parent.context
                            .out()
                            .println("Exported " + users + " users from " + store.describe() + " to "
                                    + to.toAbsolutePath().normalize() + " (owner-only)");
                }
                return ExitCode.OK.code();
            } catch (IllegalArgumentException | UncheckedIOException | StoreException e) {
                parent.err().println(parent.serviceName + ": data export: " + e.getMessage());
                return ExitCode.FAILURE.code();
            }
        }
    }

    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description = {
                "Reads a file 'data export' wrote into the configured store, keeping ids, password hashes, versions"
                        + " and timestamps.",
                "Checks the whole file first (a bad or truncated file imports nothing), then imports user by user."
                        + " Running it again changes nothing: users already imported are unchanged."
            })
    static final class Import implements Callable<Integer> {
        @ParentCommand
        DataCommand parent;

        @Mixin
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

        @Option(names = "--from", required = true, paramLabel = "FILE", description = "The file 'data export' wrote.")
        Path from;

        @Override
        public Integer call() {
            String name = parent.serviceName + ": data import: ";
            Config config = parent.context.loadConfig(options);
            StoreConfig storeConfig = parent.storeConfig(config, "import");
            if (!Files.isRegularFile(from)) {
                parent.err().println(name + "--from '" + from + "' is not a file; name the file 'data export' wrote");
                return ExitCode.FAILURE.code();
            }
            DataTransfer.Import run;
            long users;
            try (UserStore store = UserStores.open(storeConfig, parent.clock)) {
                run = new DataTransfer.Import(store, from);
                try {
                    users = run.check();
                } catch (ExportFileException e) {
                    parent.err().println(name + e.getMessage());
                    parent.err().println("Nothing was imported: the file is checked before anything is written.");
                    return ExitCode.DATA_ERROR.code();
                }
                try {
                    DataTransfer.Counts counts = run.run();
                    parent.context
                            .out()
                            .println("Imported " + counts.total() + " users from "
                                    + from.toAbsolutePath().normalize()
                                    + " (exported " + run.exportedAt() + " from " + run.source() + ") into "
                                    + store.describe() + ": " + counts);
                    return ExitCode.OK.code();
                } catch (ExportFileException e) {
                    parent.err().println(name + e.getMessage());
                    stoppedAt(run, users, name);
                    return ExitCode.DATA_ERROR.code();
                } catch (StoreException | UncheckedIOException e) {
                    parent.err().println(name + e.getMessage());
                    stoppedAt(run, users, name);
                    return ExitCode.FAILURE.code();
                }
            } catch (StoreException | UncheckedIOException e) {
                parent.err().println(name + e.getMessage());
                return ExitCode.FAILURE.code();
            }
        }

        private void stoppedAt(DataTransfer.Import run, long users, String name) {
            DataTransfer.Counts counts = run.counts();
            parent.err()
                    .println(name + "stopped after " + counts.total() + " of " + users + " users (" + counts
                            + "); the users before that line are imported, none after. Fix the problem and run the"
                            + " same import again: users already imported stay unchanged.");
        }
    }
}
