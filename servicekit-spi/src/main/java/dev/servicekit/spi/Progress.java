package dev.servicekit.spi;

/**
 * Where a manager reports what a long command is doing, e.g. {@code Starting users-service…} then
 * {@code running (0.8 s)}. The command line prints it to stderr; tests collect it.
 */
@FunctionalInterface
public interface Progress {

    /** Reports one step. */
    void step(String message);

    /** A progress sink that drops everything. */
    static Progress none() {
        return message -> {};
    }
}
