package dev.servicekit.users;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * An integration test whose assertions bound time: a request's latency, a count of watchdog pings, a client's
 * timeout during a drill. The build runs the other integration tests two test JVMs at a time, and these afterwards,
 * one at a time with no other test beside them (users-service's {@code pom.xml}, failsafe execution {@code alone}),
 * so that a second child JVM competing for the two CPUs cannot make them fail. Put it on a new integration test
 * whose pass or fail depends on how fast the machine answers, not only on what it answers.
 */
@Tag(RunsAlone.TAG)
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface RunsAlone {
    /** The JUnit tag the build selects these tests by. */
    String TAG = "alone";
}
