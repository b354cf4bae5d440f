package dev.servicekit.bench.springpeer;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The users-service API subset the benchmark drives (GET by id, GET list, POST), with the same JSON
 * shapes and status codes, users in memory like users-service's {@code memory:} store (lock-free reads,
 * one lock for writes). No auth, access log or metrics.
 */
@RestController
@RequestMapping("/api/v1/users")
class UsersController {

    record UserView(long id, String name, String email, List<String> roles, Instant createdAt, Instant updatedAt) {
    }

    record UserList(List<UserView> items, String nextCursor) {
    }

    record UserInput(String name, String email, List<String> roles, String password) {
    }

    private static final Set<String> ROLES = Set.of("reader", "writer", "admin");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s.]+");

    private final ConcurrentSkipListMap<Long, UserView> users = new ConcurrentSkipListMap<>();
    private final Map<String, Long> idsByEmail = new ConcurrentHashMap<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private long lastId;

    @GetMapping("/{id}")
    ResponseEntity<UserView> get(@PathVariable long id) {
        if (id <= 0) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "ids are positive whole numbers");
        }
        UserView user = users.get(id);
        if (user == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "There is no user with id " + id);
        }
        return ResponseEntity.ok().eTag("\"1\"").body(user);
    }

    @GetMapping
    UserList list(@RequestParam(defaultValue = "50") int limit, @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > 500) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "limit must be a whole number from 1 to 500");
        }
        long after = 0;
        if (cursor != null) {
            try {
                after = Long.parseLong(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "cursor is not a cursor this service issued");
            }
        }
        List<UserView> items = new ArrayList<>(limit);
        for (UserView user : users.tailMap(after, false).values()) {
            if (items.size() == limit) {
                String next = Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(Long.toString(items.getLast().id()).getBytes(StandardCharsets.UTF_8));
                return new UserList(items, next);
            }
            items.add(user);
        }
        return new UserList(items, null);
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<UserView> create(@RequestBody UserInput input) {
        List<String> errors = validate(input);
        if (!errors.isEmpty()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, String.join("; ", errors));
        }
        List<String> roles = input.roles() == null ? List.of("reader") : List.copyOf(new LinkedHashSet<>(input.roles()));
        String email = input.email().strip();
        String key = email.toLowerCase(Locale.ROOT);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UserView user;
        writeLock.lock();
        try {
            if (idsByEmail.containsKey(key)) {
                throw new ResponseStatusException(HttpStatus.CONFLICT, "A user with email " + email + " already exists");
            }
            user = new UserView(++lastId, input.name().strip(), email, roles, now, now);
            users.put(user.id(), user);
            idsByEmail.put(key, user.id());
        } finally {
            writeLock.unlock();
        }
        return ResponseEntity.created(URI.create("/api/v1/users/" + user.id())).eTag("\"1\"").body(user);
    }

    private static List<String> validate(UserInput input) {
        List<String> errors = new ArrayList<>();
        if (input.name() == null || input.name().isBlank()) {
            errors.add("name: is required");
        } else if (input.name().length() > 200) {
            errors.add("name: must be at most 200 characters");
        }
        if (input.email() == null || input.email().isBlank()) {
            errors.add("email: is required");
        } else if (input.email().length() > 254 || !EMAIL.matcher(input.email()).matches()) {
            errors.add("email: not a valid email address");
        }
        if (input.roles() != null) {
            if (input.roles().isEmpty()) {
                errors.add("roles: must name at least one role");
            }
            input.roles().stream().filter(r -> r == null || !ROLES.contains(r)).forEach(r -> errors.add("roles: " + r + " is not a role"));
        }
        if (input.password() != null && (input.password().length() < 12 || input.password().length() > 1024)) {
            errors.add("password: must be 12 to 1024 characters long");
        }
        return errors;
    }
}
