package dev.servicekit.users;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real PostgreSQL of the PostgreSQL store's tests: one {@link PostgresServer} per test class, a fresh database
 * per test, and the password in an owner-only file as {@code store.password-file} wants it.
 */
final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TestPostgres() {}

    /**
     * Launches a server, or skips the test class when the binaries are missing ({@link PostgresServer#MISSING});
     * on CI ({@code CI=true}), where .ci/run installs them, a missing server fails instead.
     */
    static PostgresServer launchOrSkip(Class<?> testClass) {
        Optional<String> missing = PostgresServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(testClass.getSimpleName() + " cannot run on CI: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), missing.orElse(""));
        return PostgresServer.launch();
    }

    /** A new empty database on {@code server}; its JDBC URL. */
    static String freshDatabase(PostgresServer server) {
        return server.createDatabase("test_" + DATABASES.incrementAndGet());
    }

    /** Writes the role's password to {@code dir/db-password}, readable by its owner only. */
    static Path passwordFile(PostgresServer server, Path dir) {
        try {
            Path file = dir.resolve("db-password");
            Files.writeString(file, server.password() + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store configuration for {@code url} with the server's role and {@code passwordFile}. */
    static StoreConfig config(PostgresServer server, String url, Path passwordFile, Duration timeout) {
        return StoreConfig.create(url)
                .withCredentials(server.username(), passwordFile)
                .withTimeout(timeout);
    }
}
