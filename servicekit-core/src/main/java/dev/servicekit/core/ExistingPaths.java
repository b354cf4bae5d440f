package dev.servicekit.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a path that may not exist yet meets the file system: shared by the checks of every module that judge a
 * directory the service creates at start ({@code data-dir}, an application's backup directory) before it exists.
 */
public final class ExistingPaths {

    private ExistingPaths() {}

    /**
     * The path itself if it exists, else its nearest ancestor that does: the directory in which creating it would
     * begin, or the file that stands in its way. Relative paths are made absolute first (against the working
     * directory), not normalized, so {@code a/../b} is looked up as written. Reads the file system, on the calling
     * thread; a path whose existence cannot be determined (no permission to look) counts as missing, as in
     * {@link Files#exists}.
     *
     * {@snippet :
     * // backup.dir /srv/users/backups where /srv/users is a regular file: /srv/users
     * Optional<Path> existing = ExistingPaths.nearestAncestorOrSelf(Path.of("/srv/users/backups"));
     * }
     *
     * @return the absolute path found; empty when not even the root exists (a drive that is not there)
     */
    public static Optional<Path> nearestAncestorOrSelf(Path path) {
        Path candidate = Objects.requireNonNull(path, "path").toAbsolutePath();
        while (candidate != null && !Files.exists(candidate)) {
            candidate = candidate.getParent();
        }
        return Optional.ofNullable(candidate);
    }

    /**
     * What keeps a directory from being made at {@code path}: {@link #nearestAncestorOrSelf} when it is not a directory
     * (a regular file at the path itself, or at one of its ancestors), as an absolute path; empty when the path is a
     * directory or could be created as one. Whether this account may create it is not checked.
     *
     * {@snippet :
     * // data-dir /srv/users/data where /srv/users is a regular file: /srv/users
     * Optional<Path> inTheWay = ExistingPaths.fileInTheWay(Path.of("/srv/users/data"));
     * }
     */
    public static Optional<Path> fileInTheWay(Path path) {
        return nearestAncestorOrSelf(path).filter(existing -> !Files.isDirectory(existing));
    }
}
