package dev.servicekit.core;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The running instance's own view of itself, as {@code status} shows it next to the service manager's: what its
 * management listener answered to {@code GET /health/ready} and {@code GET /admin/status}.
 *
 * @param managementUri where it was asked
 * @param ready         whether {@code /health/ready} answered 200 (UP); empty when it did not answer either way
 * @param status        the {@code /admin/status} document (name, version, state, pid, config hash, last reload,
 *                      listeners, certificate expiry, …), as JSON-compatible values; empty when it was refused
 * @param notes         what could not be learned and why (say, {@code /admin/status} refused without an admin token)
 */
public record ApplicationView(
        URI managementUri, Optional<Boolean> ready, Map<String, Object> status, List<String> notes) {

    /** Checks for nulls; copies. */
    public ApplicationView {
        Objects.requireNonNull(managementUri, "managementUri");
        Objects.requireNonNull(ready, "ready");
        status = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(status));
        notes = List.copyOf(notes);
    }

    /** The pid the application reports, when {@code /admin/status} answered. */
    public Optional<Long> pid() {
        return status.get("pid") instanceof Number pid ? Optional.of(pid.longValue()) : Optional.empty();
    }
}
