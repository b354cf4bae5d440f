package dev.servicekit.users;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test whose assertions bound time: a request's latency, a count of watchdog pings, a client's timeout during a
 * drill, a store call cut at {@code store.timeout}, the group commit's wait. The build runs the other tests two test
 * JVMs at a time, and these afterwards, one at a time with no other test beside them (users-service's {@code
 * pom.xml}: surefire execution {@code alone} for unit tests, failsafe execution {@code alone} for integration tests),
 * so that a second test JVM competing for the two CPUs cannot make them fail. Put it on a new test whose pass or fail
 * depends on how fast the machine answers, not only on what it answers.
 */
@Tag(RunsAlone.TAG)
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface RunsAlone {
    /** The JUnit tag the build selects these tests by. */
    String TAG = "alone";
}
