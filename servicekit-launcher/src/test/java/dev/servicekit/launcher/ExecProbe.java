package dev.servicekit.launcher;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A child JVM for {@link ExecInPlaceTest}: prints its pid, keeps a file open (a descriptor above 2 that must not reach
 * the new program), then {@link ExecInPlace#exec}s {@code args[1..]} with the cache directory {@code args[0]}. When
 * that returns it prints why and exits 3.
 */
public final class ExecProbe {

    private ExecProbe() {}

    public static void main(String[] args) throws IOException {
        try (FileInputStream open = new FileInputStream("/proc/self/status")) {
            System.out.println("probe pid=" + ProcessHandle.current().pid() + " open="
                    + open.getFD().valid());
            String failure = ExecInPlace.exec(
                    Arrays.asList(args).subList(1, args.length), Path.of("no-such.jar"), Path.of(args[0]));
            System.out.println("exec returned: " + failure);
        }
        System.exit(3);
    }
}
