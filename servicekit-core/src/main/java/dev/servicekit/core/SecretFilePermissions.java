package dev.servicekit.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses secrets that other accounts can read (SPEC §8): every secret file named by a
 * {@link ConfigType#secretFile()} key, and the configuration file itself when it holds a secret value,
 * must be readable by its owner only. Applications check files they create themselves with {@link #problem(Path)}. On file systems without POSIX permissions (Windows) nothing is
 * checked here: there {@code install} restricts the data directory's ACL instead.
 */
public final class SecretFilePermissions {

    private SecretFilePermissions() {}

    /**
     * What is wrong with a secret file's permissions, with the {@code chmod 600} fix; empty when only the
     * owner may read it, when it does not exist, or where the file system has no POSIX permissions.
     */
    public static Optional<String> problem(Path file) {
        return message(file, false);
    }

    /**
     * The problem of a secret file that is named but does not exist; a check that reports it itself words it so, and
     * it is listed once beside this check's.
     */
    public static String missing(Path file) {
        return "\"" + file + "\" does not exist; create it (owner-only: chmod 600) or fix the path";
    }

    static List<ConfigProblem> check(Config config, Optional<Path> configFile) {
        List<ConfigProblem> problems = new ArrayList<>();
        boolean fileHoldsSecret = false;
        for (ConfigKey<?> key : config.schema().keys()) {
            if (config.isUnparsed(key)) {
                continue; // its own problem is listed
            }
            Optional<?> value = config.find(key);
            if (value.isEmpty()) {
                continue;
            }
            if (key.type().isSecretFile() && value.get() instanceof Path file) {
                // A file named by a default may not exist yet: the application creates it (e.g. a generated key).
                boolean named = !config.source(key).equals("default");
                message(file, named).ifPresent(m -> problems.add(new ConfigProblem(key.name(), config.source(key), m)));
            }
            if (key.secret()
                    && configFile.isPresent()
                    && config.source(key).equals(configFile.get().toString())) {
                fileHoldsSecret = true;
            }
        }
        if (fileHoldsSecret) {
            Path file = configFile.get();
            message(file, false).ifPresent(m -> problems.add(new ConfigProblem(file.toString(), file.toString(), m)));
        }
        return problems;
    }

    private static Optional<String> message(Path file, boolean mustExist) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return mustExist ? Optional.of(missing(file)) : Optional.empty();
        } catch (IOException e) {
            return Optional.of("\"" + file + "\" cannot be read (" + e.getMessage()
                    + "); check that it exists and that this account may read it");
        }
        boolean shared = permissions.contains(PosixFilePermission.GROUP_READ)
                || permissions.contains(PosixFilePermission.OTHERS_READ)
                || permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE);
        if (!shared) {
            return Optional.empty();
        }
        return Optional.of("\"" + file + "\" holds a secret but other accounts may read or change it ("
                + PosixFilePermissions.toString(permissions) + "); run: chmod 600 " + file);
    }
}
