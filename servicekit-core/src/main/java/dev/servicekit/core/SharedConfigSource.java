package dev.servicekit.core;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Configuration shared by a fleet and kept outside the host (etcd, with {@code servicekit-etcd} on the class path),
 * read between the YAML file and the environment. A module offers one through a {@link Provider} registered with
 * {@link ServiceLoader}; the host reads it once before start, reloads from its in-memory snapshot, and reloads
 * again whenever it reports a change.
 *
 * <ol>
 *   <li>{@link #load()} reads the source once, bounded by its own timeout.</li>
 *   <li>{@link #layer()} is the current snapshot, without network I/O; a required source that could not be read
 *       carries that as a problem (exit 78 at start).</li>
 *   <li>{@link #watch(Runnable)} follows the source on its own thread and calls back after every change.</li>
 *   <li>{@link #close()} stops following; idempotent.</li>
 * </ol>
 */
public interface SharedConfigSource extends AutoCloseable {

    /**
     * Reads the source once, replacing the snapshot; blocks for at most the source's timeout per endpoint.
     *
     * @return true if it answered
     */
    boolean load();

    /** The current snapshot as a configuration layer; never blocks. */
    ConfigLayer layer();

    /** Follows the source from now on; {@code onChange} runs on the source's thread after each change. */
    void watch(Runnable onChange);

    /** What and where the source is, for messages, e.g. {@code etcd (http://127.0.0.1:2379)}. */
    String describe();

    /**
     * Why the source was last not reached, by {@link #load()} or while following it, with what to do about it where
     * the source knows (for {@code doctor} and {@code /admin/status}); empty once a read answered again, or when the
     * source does not say.
     */
    default Optional<String> lastFailure() {
        return Optional.empty();
    }

    /**
     * Whether the last read, or the watch, reached the source (for {@code /admin/status}); a source that does not
     * tell says true.
     */
    default boolean connected() {
        return true;
    }

    /**
     * {@code doctor}'s findings on the certificates the source presents (a client certificate's validity); none when
     * it presents none. Never throws.
     */
    default java.util.List<dev.servicekit.spi.Diagnosis> certificates(java.time.Clock clock) {
        return java.util.List.of();
    }

    /** Stops following; idempotent, never throws. */
    @Override
    void close();

    /**
     * Offers a shared source: its own configuration keys (read only from the file, the environment and
     * {@code --set}) and the source they describe.
     */
    interface Provider {

        /** The keys that configure the source, added to every application's schema by {@link CoreConfigKeys#all()}. */
        List<ConfigKey<?>> keys();

        /** Cross-key checks of those keys. */
        List<ConfigProblem> check(Config config);

        /**
         * The source the local configuration (file, environment, {@code --set}) asks for, unstarted and unread; empty
         * when it is off.
         */
        Optional<SharedConfigSource> open(Config local, String serviceName);
    }

    /** Every provider on the class path, in class-path order. */
    static List<Provider> providers() {
        return ServiceLoader.load(Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
    }
}
