package dev.servicekit.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.PlatformManagedObject;
import java.util.Optional;

/**
 * The virtual-thread scheduler's gauges, read from {@code jdk.management.VirtualThreadSchedulerMXBean} (JDK 24+)
 * when scraped: {@code jvm.threads.virtual.live{scheduling.status="mounted"|"queued"}},
 * {@code jvm.threads.virtual.pool.size} and {@code jvm.threads.virtual.parallelism}. Same names, tags and units as
 * Micrometer's {@code VirtualThreadMetrics}, which registers them too, but without the JFR recording stream that
 * class starts for its pinned and submit-failed meters (about 270 JFR classes and several MB at start). On a JDK
 * without the MXBean (21 to 23) nothing is registered.
 */
final class VirtualThreadSchedulerMetrics implements MeterBinder {

    private static final String MXBEAN = "jdk.management.VirtualThreadSchedulerMXBean";

    private record Accessors(
            PlatformManagedObject bean,
            MethodHandle parallelism,
            MethodHandle poolSize,
            MethodHandle mounted,
            MethodHandle queued) {}

    @Override
    public void bindTo(MeterRegistry registry) {
        Optional<Accessors> found = accessors();
        if (found.isEmpty()) {
            return;
        }
        Accessors a = found.get();
        Gauge.builder("jvm.threads.virtual.parallelism", a.bean(), bean -> read(a.parallelism(), bean))
                .description("Virtual thread scheduler's target parallelism")
                .register(registry);
        Gauge.builder("jvm.threads.virtual.pool.size", a.bean(), bean -> read(a.poolSize(), bean))
                .baseUnit("threads")
                .description(
                        "Current number of platform threads that the scheduler has started but have not terminated; -1 if not known.")
                .register(registry);
        Gauge.builder("jvm.threads.virtual.live", a.bean(), bean -> read(a.mounted(), bean))
                .tag("scheduling.status", "mounted")
                .baseUnit("threads")
                .description("Approximate current number of virtual threads that are unfinished")
                .register(registry);
        Gauge.builder("jvm.threads.virtual.live", a.bean(), bean -> read(a.queued(), bean))
                .tag("scheduling.status", "queued")
                .baseUnit("threads")
                .description("Approximate current number of virtual threads that are unfinished")
                .register(registry);
    }

    private static Optional<Accessors> accessors() {
        try {
            Class<? extends PlatformManagedObject> type = Class.forName(MXBEAN).asSubclass(PlatformManagedObject.class);
            PlatformManagedObject bean = ManagementFactory.getPlatformMXBean(type);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            return Optional.of(new Accessors(
                    bean,
                    lookup.findVirtual(type, "getParallelism", MethodType.methodType(int.class)),
                    lookup.findVirtual(type, "getPoolSize", MethodType.methodType(int.class)),
                    lookup.findVirtual(type, "getMountedVirtualThreadCount", MethodType.methodType(int.class)),
                    lookup.findVirtual(type, "getQueuedVirtualThreadCount", MethodType.methodType(long.class))));
        } catch (ClassNotFoundException
                | ClassCastException
                | NoSuchMethodException
                | IllegalAccessException
                | IllegalArgumentException e) {
            return Optional.empty(); // JDK 21 to 23: no scheduler MXBean
        }
    }

    private static double read(MethodHandle getter, PlatformManagedObject bean) {
        try {
            return ((Number) getter.invoke(bean)).doubleValue();
        } catch (Throwable e) {
            return Double.NaN;
        }
    }
}
