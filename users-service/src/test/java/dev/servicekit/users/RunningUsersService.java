package dev.servicekit.users;

import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.testing.OpenApiContract;
import dev.servicekit.testing.TestHttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * users-service started in this JVM as {@code run} starts it ({@link ServiceCli#start}), on free ports (port 0)
 * with its real SQLite store in a temp directory, for tests that need real sockets but not a child process.
 *
 * <p>Every response {@link #api} receives is checked against the OpenAPI document the service serves
 * ({@link OpenApiContract}): a test that sees an answer the document does not describe fails.
 */
final class RunningUsersService implements AutoCloseable {

    final ServiceHost host;
    /** The API listener, every response checked against the service's OpenAPI document. */
    final TestHttpClient api;
    /** The API listener without the contract check, for what the document need not describe. */
    final TestHttpClient unchecked;

    final TestHttpClient management;
    /** Fetched on the first response {@link #api} checks: a test of a TLS listener never uses the plain client. */
    private OpenApiContract contract;

    private RunningUsersService(ServiceHost host) {
        this.host = host;
        this.unchecked = TestHttpClient.create(host.endpoints().get("api").toString());
        this.api = unchecked.withResponseCheck(
                (method, path, response) -> contract().check(method, path, response));
        this.management =
                TestHttpClient.create(host.endpoints().get("management").toString());
    }

    /** The application as tests run it: a low PBKDF2 iteration count keeps them fast (PasswordHasherTest checks the real one). */
    static ServiceApplication application() {
        return HttpServiceHost.application(
                new UsersServiceApplication(Clock.systemUTC(), PasswordHasher.withIterations(1000)));
    }

    /** Starts with auth off; {@code overrides} ({@code key=value}) come last and win. */
    static RunningUsersService start(Path dataDir, String... overrides) {
        List<String> all = new ArrayList<>(List.of(
                "http.port=0",
                "management.port=0",
                "data-dir=" + dataDir,
                "shutdown.drain-timeout=2s",
                "shutdown.timeout=10s",
                "auth.enabled=false",
                "reload.watch=false"));
        all.addAll(List.of(overrides));
        return new RunningUsersService(
                ServiceCli.builder(application()).environment(Map.of()).build().start(all.toArray(String[]::new)));
    }

    /** The OpenAPI document the service serves, as a contract. */
    synchronized OpenApiContract contract() {
        if (contract == null) {
            contract = OpenApiContract.fetch(unchecked);
        }
        return contract;
    }

    /**
     * A token from the real {@code token issue} verb, signed with the key in {@code dataDir} (the one a service
     * started there with auth on generates and verifies with).
     */
    static String issueToken(Path dataDir, String subject, String scopes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream print = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        int code = ServiceCli.builder(application())
                .environment(Map.of())
                .out(print)
                .err(print)
                .build()
                .execute("token", "issue", "--subject", subject, "--scope", scopes, "--set", "data-dir=" + dataDir);
        String printed = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        if (code != 0) {
            throw new AssertionError("token issue exited with " + code + ": " + printed);
        }
        return printed.strip();
    }

    int apiPort() {
        return host.endpoints().get("api").getPort();
    }

    int managementPort() {
        return host.endpoints().get("management").getPort();
    }

    @Override
    public void close() {
        host.stop();
    }
}
