package dev.servicekit.users;

import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded POST load for the backup tests: creates users from a few platform threads until closed, or
 * {@link #MAX_REQUESTS}, or {@link #MAX_LOAD_TIME}, and remembers when each 201 arrived.
 */
final class PostLoad implements AutoCloseable {
    static final int MAX_REQUESTS = 20_000;
    static final Duration MAX_LOAD_TIME = Duration.ofSeconds(60);

    record Created(String email, long at) {}

    final ConcurrentLinkedQueue<Created> created = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger sent = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    static PostLoad start(int apiPort, String prefix, int clients) {
        PostLoad load = new PostLoad();
        long deadline = System.nanoTime() + MAX_LOAD_TIME.toNanos();
        for (int c = 0; c < clients; c++) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
            load.threads.add(Thread.ofPlatform().name("post-load-" + c).start(() -> {
                while (!load.stop.get() && System.nanoTime() < deadline) {
                    int n = load.sent.incrementAndGet();
                    if (n > MAX_REQUESTS) {
                        return;
                    }
                    String email = prefix + n + "@example.org";
                    try {
                        TestResponse response =
                                api.post("/api/v1/users", "{\"name\":\"Load " + n + "\",\"email\":\"" + email + "\"}");
                        if (response.status() == 201) {
                            load.created.add(new Created(email, System.nanoTime()));
                        } else {
                            load.errors.add(response.status() + " " + response.body());
                        }
                    } catch (UncheckedIOException e) {
                        load.errors.add(e.toString());
                    }
                }
            }));
        }
        return load;
    }

    List<String> errors() {
        return List.copyOf(errors);
    }

    Set<String> createdBefore(long nanos) {
        Set<String> emails = new HashSet<>();
        created.stream().filter(c -> c.at() - nanos < 0).forEach(c -> emails.add(c.email()));
        return emails;
    }

    List<String> createdBetween(long from, long to) {
        return created.stream()
                .filter(c -> c.at() - from > 0 && c.at() - to < 0)
                .map(Created::email)
                .toList();
    }

    @Override
    public void close() {
        stop.set(true);
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
