package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigLoader;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.testing.TestHttpClient;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * users-service started in this JVM on free ports (port 0) with its real SQLite store in a temp
 * directory, for tests that need real sockets but not a child process.
 */
final class RunningUsersService implements AutoCloseable {

    final ServiceHost host;
    final UsersService service;
    final TestHttpClient api;
    final TestHttpClient management;

    private RunningUsersService(ServiceHost host, UsersService service) {
        this.host = host;
        this.service = service;
        this.api = TestHttpClient.create("http://127.0.0.1:" + service.apiPort());
        this.management = TestHttpClient.create("http://127.0.0.1:" + service.managementPort());
    }

    static RunningUsersService start(Path dataDir, String... overrides) {
        List<String> all = new ArrayList<>(List.of("http.port=0", "management.port=0", "data-dir=" + dataDir,
                "shutdown.drain-timeout=2s", "shutdown.timeout=10s", "auth.enabled=false"));
        all.addAll(List.of(overrides));
        Config config = ConfigLoader.builder(UsersServiceApplication.SCHEMA)
                .environment(Map.of())
                .overrides(all)
                .build()
                .load();
        // A low iteration count keeps tests fast; the production count is tested in PasswordHasherTest.
        UsersService service = new UsersService(config, Clock.systemUTC(), PasswordHasher.withIterations(1000));
        ServiceHost host = ServiceHost.builder("users-service", service).build();
        host.start();
        return new RunningUsersService(host, service);
    }

    int apiPort() {
        return service.apiPort();
    }

    @Override
    public void close() {
        host.stop();
    }
}
