package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class InMemoryUserStoreTest extends UserStoreContractTest {

    @Override
    protected UserStore openStore(MutableClock clock) {
        return new InMemoryUserStore(clock);
    }

    @Test
    void describeSaysTheDataIsNotDurable() {
        assertThat(store.describe()).startsWith("memory").contains("not durable");
    }

    @Test
    void concurrentCreatorsGetDistinctIdsAndTheSameEmailIsTakenOnlyOnce() throws Exception {
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        List<Future<Integer>> duplicates = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                int thread = t;
                duplicates.add(threads.submit(() -> {
                    int rejected = 0;
                    for (int i = 0; i < 200; i++) {
                        ids.add(store.create(draft("U", "t" + thread + "-" + i + "@example.org"))
                                .id());
                        try {
                            store.create(draft("Shared", "shared" + i + "@example.org"));
                        } catch (DuplicateEmailException e) {
                            rejected++;
                        }
                    }
                    return rejected;
                }));
            }
            int rejected = 0;
            for (Future<Integer> f : duplicates) {
                rejected += f.get();
            }
            assertThat(rejected).isEqualTo(7 * 200);
        }
        assertThat(ids).hasSize(8 * 200);
        assertThat(store.list(500, Optional.empty()).items()).hasSize(500);
    }
}
