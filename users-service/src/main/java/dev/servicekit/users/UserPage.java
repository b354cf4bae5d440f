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

    /**
     * The page of a query that asked for one row more than {@code limit}: that extra row, when it came, only says
     * that a next page exists and is not on this one.
     *
     * @param fetched up to {@code limit + 1} users in id order
     * @param limit the page size asked for
     */
    static UserPage ofOneMoreThan(List<User> fetched, int limit) {
        if (fetched.size() > limit) {
            List<User> items = fetched.subList(0, limit);
            return new UserPage(items, Optional.of(items.getLast().id()));
        }
        return new UserPage(fetched, Optional.empty());
    }
}
