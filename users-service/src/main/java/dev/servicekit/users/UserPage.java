package dev.servicekit.users;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of {@link UserStore#list users}, ordered by id ascending.
 *
 * @param items the users on this page, at most the requested limit; immutable
 * @param nextAfterId present only when more users follow: pass it as {@code afterId} to get the next
 *     page (it is the id of the last item)
 */
public record UserPage(List<User> items, Optional<Long> nextAfterId) {

    /** Validates and makes {@code items} immutable. */
    public UserPage {
        items = List.copyOf(Objects.requireNonNull(items, "items"));
        Objects.requireNonNull(nextAfterId, "nextAfterId");
    }
}
