package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link UserStore} implementation must have. Subclasses say how to open one. */
abstract class UserStoreContractTest {

    /** Has nanoseconds on purpose: stores keep milliseconds. */
    static final Instant START = Instant.parse("2025-03-04T05:06:07.123456789Z");

    protected final MutableClock clock = new MutableClock(START);
    protected UserStore store;

    /** Opens a new, empty store on {@code clock}. */
    protected abstract UserStore openStore(MutableClock clock);

    @BeforeEach
    void openEmptyStore() {
        store = openStore(clock);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static UserDraft draft(String name, String email) {
        return new UserDraft(name, email, List.of("reader"), Optional.empty());
    }

    @Test
    void createAssignsAnIdVersionOneAndEqualCreatedAndUpdatedTimes() {
        User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("reader", "writer"), Optional.empty()));

        assertThat(ada.id()).isPositive();
        assertThat(ada.name()).isEqualTo("Ada");
        assertThat(ada.email()).isEqualTo("ada@example.org");
        assertThat(ada.roles()).containsExactly("reader", "writer");
        assertThat(ada.version()).isEqualTo(1);
        assertThat(ada.createdAt()).isEqualTo(ada.updatedAt());
    }

    @Test
    void timestampsAreTruncatedToMillisecondsAndReadBackEqual() {
        User created = store.create(draft("Ada", "ada@example.org"));

        assertThat(created.createdAt()).isEqualTo(Instant.parse("2025-03-04T05:06:07.123Z"));
        assertThat(store.find(created.id())).contains(created);
        assertThat(store.list(10, Optional.empty()).items()).containsExactly(created);
    }

    @Test
    void createdUserIsFoundByIdWithSameValues() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        User bob = store.create(draft("Bob", "bob@example.org"));

        assertThat(store.find(ada.id())).contains(ada);
        assertThat(store.find(bob.id())).contains(bob);
        assertThat(bob.id()).isGreaterThan(ada.id());
    }

    @Test
    void findReturnsEmptyForAnUnknownId() {
        assertThat(store.find(12345)).isEmpty();
    }

    @Test
    void rolesRoundTripInOrderIncludingNone() {
        User many = store.create(
                new UserDraft("A", "a@example.org", List.of("writer", "admin", "reader"), Optional.empty()));
        User none = store.create(new UserDraft("B", "b@example.org", List.of(), Optional.empty()));

        assertThat(store.find(many.id()).orElseThrow().roles()).containsExactly("writer", "admin", "reader");
        assertThat(store.find(none.id()).orElseThrow().roles()).isEmpty();
    }

    @Test
    void nonAsciiNamesAndEmailsRoundTrip() {
        User user = store.create(draft("Zoë Ñúñez 山田", "zoë@exämple.org"));

        assertThat(store.find(user.id()).orElseThrow()).isEqualTo(user);
    }

    @Test
    void createRejectsAnEmailThatDiffersOnlyInCase() {
        store.create(draft("Ada", "ada@example.org"));

        assertThatThrownBy(() -> store.create(draft("Other Ada", "ADA@Example.ORG")))
                .isInstanceOf(DuplicateEmailException.class)
                .hasMessageContaining("'ADA@Example.ORG'")
                .satisfies(
                        e -> assertThat(((DuplicateEmailException) e).email()).isEqualTo("ADA@Example.ORG"));
        assertThat(store.list(10, Optional.empty()).items()).hasSize(1);
    }

    @Test
    void emailsAreComparedIgnoringCaseBeyondAscii() {
        store.create(draft("Émile", "émile@example.org"));

        assertThatThrownBy(() -> store.create(draft("Émile 2", "ÉMILE@example.org")))
                .isInstanceOf(DuplicateEmailException.class);
    }

    @Test
    void replaceChangesContentKeepsCreatedAtAndIncrementsVersion() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        clock.advance(Duration.ofMinutes(5));

        User replaced = store.replace(
                ada.id(),
                new UserDraft("Ada Lovelace", "lovelace@example.org", List.of("admin"), Optional.empty()),
                OptionalLong.empty());

        assertThat(replaced.id()).isEqualTo(ada.id());
        assertThat(replaced.name()).isEqualTo("Ada Lovelace");
        assertThat(replaced.email()).isEqualTo("lovelace@example.org");
        assertThat(replaced.roles()).containsExactly("admin");
        assertThat(replaced.createdAt()).isEqualTo(ada.createdAt());
        assertThat(replaced.updatedAt()).isEqualTo(ada.createdAt().plus(Duration.ofMinutes(5)));
        assertThat(replaced.version()).isEqualTo(2);
        assertThat(store.find(ada.id())).contains(replaced);
    }

    @Test
    void replaceWithTheCurrentExpectedVersionSucceedsAndEachReplaceIncrementsIt() {
        User ada = store.create(draft("Ada", "ada@example.org"));

        User v2 = store.replace(ada.id(), draft("Ada 2", "ada@example.org"), OptionalLong.of(1));
        User v3 = store.replace(ada.id(), draft("Ada 3", "ada@example.org"), OptionalLong.of(2));

        assertThat(v2.version()).isEqualTo(2);
        assertThat(v3.version()).isEqualTo(3);
        assertThat(v3.name()).isEqualTo("Ada 3");
    }

    @Test
    void replaceWithAStaleExpectedVersionThrowsVersionConflictAndChangesNothing() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        User v2 = store.replace(ada.id(), draft("Ada 2", "ada@example.org"), OptionalLong.empty());

        assertThatThrownBy(() -> store.replace(ada.id(), draft("Lost update", "ada@example.org"), OptionalLong.of(1)))
                .isInstanceOfSatisfying(VersionConflictException.class, e -> {
                    assertThat(e.id()).isEqualTo(ada.id());
                    assertThat(e.expectedVersion()).isEqualTo(1);
                    assertThat(e.actualVersion()).isEqualTo(2);
                })
                .hasMessageContaining("'2'")
                .hasMessageContaining("'1'");
        assertThat(store.find(ada.id())).contains(v2);
    }

    @Test
    void replaceOfAnUnknownIdThrowsUserNotFoundEvenWithAnExpectedVersion() {
        assertThatThrownBy(() -> store.replace(999, draft("Nobody", "nobody@example.org"), OptionalLong.empty()))
                .isInstanceOfSatisfying(
                        UserNotFoundException.class, e -> assertThat(e.id()).isEqualTo(999))
                .hasMessageContaining("'999'");
        assertThatThrownBy(() -> store.replace(999, draft("Nobody", "nobody@example.org"), OptionalLong.of(1)))
                .isInstanceOf(UserNotFoundException.class);
    }

    @Test
    void replaceRejectsTheEmailOfAnotherUserIgnoringCase() {
        store.create(draft("Ada", "ada@example.org"));
        User bob = store.create(draft("Bob", "bob@example.org"));

        assertThatThrownBy(() -> store.replace(bob.id(), draft("Bob", "Ada@EXAMPLE.org"), OptionalLong.empty()))
                .isInstanceOf(DuplicateEmailException.class)
                .hasMessageContaining("'Ada@EXAMPLE.org'");
        assertThat(store.find(bob.id())).contains(bob);
    }

    @Test
    void replaceChecksTheVersionBeforeEmailUniqueness() {
        store.create(draft("Ada", "ada@example.org"));
        User bob = store.create(draft("Bob", "bob@example.org"));

        assertThatThrownBy(() -> store.replace(bob.id(), draft("Bob", "ada@example.org"), OptionalLong.of(7)))
                .isInstanceOf(VersionConflictException.class);
    }

    @Test
    void replaceMayChangeTheCaseOfTheUsersOwnEmail() {
        User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("reader"), Optional.of("hash")));

        User replaced = store.replace(
                ada.id(),
                new UserDraft("Ada", "ADA@example.org", List.of("reader"), Optional.of("hash")),
                OptionalLong.empty());

        assertThat(replaced.email()).isEqualTo("ADA@example.org");
        assertThat(store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .contains("hash");
        assertThatThrownBy(() -> store.create(draft("Copy", "ada@EXAMPLE.org")))
                .isInstanceOf(DuplicateEmailException.class);
    }

    @Test
    void replaceFreesTheOldEmail() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        store.replace(ada.id(), draft("Ada", "lovelace@example.org"), OptionalLong.empty());

        User newcomer = store.create(draft("New Ada", "ada@example.org"));

        assertThat(newcomer.email()).isEqualTo("ada@example.org");
    }

    @Test
    void passwordHashIsFoundByEmailIgnoringCase() {
        store.create(new UserDraft(
                "Ada", "Ada@Example.org", List.of("reader"), Optional.of("pbkdf2-sha256$1$c2FsdA$aGFzaA")));

        assertThat(store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .contains("pbkdf2-sha256$1$c2FsdA$aGFzaA");
        assertThat(store.credentials("ADA@EXAMPLE.ORG").map(UserCredentials::passwordHash))
                .contains("pbkdf2-sha256$1$c2FsdA$aGFzaA");
        assertThat(store.credentials("ada@example.org").map(c -> c.user().name()))
                .contains("Ada");
        assertThat(store.credentials("ada@example.org").map(c -> c.user().roles()))
                .contains(List.of("reader"));
    }

    @Test
    void passwordHashIsEmptyForAnUnknownEmailOrAUserWithoutPassword() {
        store.create(draft("Bob", "bob@example.org"));

        assertThat(store.credentials("nobody@example.org").map(UserCredentials::passwordHash))
                .isEmpty();
        assertThat(store.credentials("bob@example.org").map(UserCredentials::passwordHash))
                .isEmpty();
    }

    @Test
    void replaceWithoutAPasswordHashRemovesTheStoredHash() {
        User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("reader"), Optional.of("old-hash")));

        store.replace(ada.id(), draft("Ada", "ada@example.org"), OptionalLong.empty());

        assertThat(store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .isEmpty();
    }

    @Test
    void replaceWithAPasswordHashStoresTheNewHash() {
        User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("reader"), Optional.of("old-hash")));

        store.replace(
                ada.id(),
                new UserDraft("Ada", "ada@example.org", List.of("reader"), Optional.of("new-hash")),
                OptionalLong.empty());

        assertThat(store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .contains("new-hash");
    }

    @Test
    void deleteRemovesTheUserAndSaysWhetherItExisted() {
        User ada = store.create(draft("Ada", "ada@example.org"));

        assertThat(store.delete(ada.id())).isTrue();
        assertThat(store.find(ada.id())).isEmpty();
        assertThat(store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .isEmpty();
        assertThat(store.delete(ada.id())).isFalse();
        assertThatThrownBy(() -> store.replace(ada.id(), draft("Ada", "ada@example.org"), OptionalLong.empty()))
                .isInstanceOf(UserNotFoundException.class);
    }

    @Test
    void deleteWithAnExpectedVersionDeletesOnlyThatVersion() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        User changed = store.replace(ada.id(), draft("Ada L.", "ada@example.org"), OptionalLong.empty());

        assertThatThrownBy(() -> store.delete(ada.id(), OptionalLong.of(ada.version())))
                .isInstanceOfSatisfying(
                        VersionConflictException.class,
                        e -> assertThat(e.actualVersion()).isEqualTo(changed.version()));
        assertThat(store.find(ada.id())).as("still there").contains(changed);
        assertThat(store.delete(ada.id(), OptionalLong.of(changed.version()))).isTrue();
        assertThat(store.find(ada.id())).isEmpty();
        assertThat(store.delete(ada.id(), OptionalLong.of(changed.version())))
                .as("a missing user is not a conflict")
                .isFalse();
    }

    @Test
    void deletedUsersEmailCanBeUsedAgainButItsIdIsNeverReused() {
        store.create(draft("Ada", "ada@example.org"));
        User bob = store.create(draft("Bob", "bob@example.org"));
        store.delete(bob.id());

        User again = store.create(draft("Bob again", "BOB@example.org"));

        assertThat(again.id()).isGreaterThan(bob.id());
    }

    @Test
    void listOfAnEmptyStoreIsAnEmptyLastPage() {
        UserPage page = store.list(50, Optional.empty());

        assertThat(page.items()).isEmpty();
        assertThat(page.nextAfterId()).isEmpty();
    }

    @Test
    void listWalks120UsersInThreePagesOfFiftyWithoutGapsOrDuplicates() {
        List<Long> created = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            created.add(store.create(draft("User " + i, "user" + i + "@example.org"))
                    .id());
        }

        UserPage first = store.list(50, Optional.empty());
        UserPage second = store.list(50, first.nextAfterId());
        UserPage third = store.list(50, second.nextAfterId());

        assertThat(first.items()).hasSize(50);
        assertThat(second.items()).hasSize(50);
        assertThat(third.items()).hasSize(20);
        assertThat(first.nextAfterId()).contains(first.items().getLast().id());
        assertThat(second.nextAfterId()).contains(second.items().getLast().id());
        assertThat(third.nextAfterId()).isEmpty();
        List<Long> walked = new ArrayList<>();
        for (UserPage page : List.of(first, second, third)) {
            page.items().forEach(user -> walked.add(user.id()));
        }
        assertThat(walked).containsExactlyElementsOf(created).isSorted();
    }

    @Test
    void aPageThatEndsExactlyAtTheLastUserHasNoNextCursor() {
        for (int i = 0; i < 3; i++) {
            store.create(draft("User " + i, "user" + i + "@example.org"));
        }

        assertThat(store.list(3, Optional.empty()).nextAfterId()).isEmpty();
        assertThat(store.list(2, Optional.empty()).nextAfterId()).isPresent();
    }

    @Test
    void listAfterAnIdSkipsDeletedUsersWithoutGaps() {
        User a = store.create(draft("A", "a@example.org"));
        User b = store.create(draft("B", "b@example.org"));
        User c = store.create(draft("C", "c@example.org"));
        User d = store.create(draft("D", "d@example.org"));

        UserPage first = store.list(2, Optional.empty());
        store.delete(b.id()); // already seen: must not shift the next page
        store.delete(c.id());
        UserPage second = store.list(2, first.nextAfterId());

        assertThat(first.items()).containsExactly(a, b);
        assertThat(second.items()).containsExactly(d);
        assertThat(second.nextAfterId()).isEmpty();
    }

    @Test
    void listRejectsALimitBelowOne() {
        assertThatThrownBy(() -> store.list(0, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'0'");
    }

    @Test
    void pingSucceedsWhileTheStoreIsOpen() {
        store.ping(Duration.ofSeconds(2));
    }

    @Test
    void everyOperationAfterCloseThrowsStoreUnavailableAndCloseIsIdempotent() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        store.close();
        store.close();

        assertThatThrownBy(() -> store.ping(Duration.ofSeconds(1))).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.find(ada.id())).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.list(5, Optional.empty())).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.create(draft("Bob", "bob@example.org")))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.replace(ada.id(), draft("Ada", "ada@example.org"), OptionalLong.empty()))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.delete(ada.id())).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.exportAll(user -> {})).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.importUser(exported(9, "i@example.org", 1, Optional.empty())))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.recordLoginFailure("ip:10.0.0.1", START, START.minusSeconds(60)))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.loginFailures("ip:10.0.0.1", START))
                .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.clearLoginFailures("ip:10.0.0.1")).isInstanceOf(StoreUnavailableException.class);
    }

    // --- export and import (data export / data import) ---

    static ExportedUser exported(long id, String email, long version, Optional<String> hash) {
        return new ExportedUser(
                new User(
                        id,
                        "User " + id,
                        email,
                        List.of("reader", "writer"),
                        Instant.parse("2024-01-02T03:04:05.678Z"),
                        Instant.parse("2024-06-07T08:09:10.111Z"),
                        version),
                hash);
    }

    private List<ExportedUser> exportAll() {
        List<ExportedUser> users = new ArrayList<>();
        long count = store.exportAll(users::add);
        assertThat(count).isEqualTo(users.size());
        return users;
    }

    @Test
    void exportAllPassesEveryUserInIdOrderWithHashTimestampsAndVersion() {
        User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("admin"), Optional.of("hash-a")));
        User bob = store.create(draft("Bob", "bob@example.org"));
        User gone = store.create(draft("Gone", "gone@example.org"));
        clock.advance(Duration.ofMinutes(3));
        User bobV2 = store.replace(
                bob.id(),
                new UserDraft("Bob 2", "bob@example.org", List.of("writer", "reader"), Optional.of("hash-b")),
                OptionalLong.of(1));
        store.delete(gone.id());

        assertThat(exportAll())
                .containsExactly(
                        new ExportedUser(ada, Optional.of("hash-a")), new ExportedUser(bobV2, Optional.of("hash-b")));
        assertThat(bobV2.updatedAt()).isAfter(bobV2.createdAt());
        assertThat(bobV2.version()).isEqualTo(2);
    }

    @Test
    void exportOfAnEmptyStorePassesNothing() {
        assertThat(exportAll()).isEmpty();
    }

    @Test
    void importCreatesTheUserAsExportedKeepingIdTimestampsVersionAndHash() {
        ExportedUser user = exported(42, "ada@example.org", 7, Optional.of("pbkdf2-sha256$1$c2FsdA$aGFzaA"));

        assertThat(store.importUser(user)).isEqualTo(UserStore.ImportOutcome.CREATED);

        assertThat(store.find(42)).contains(user.user());
        assertThat(store.credentials("ADA@example.org")).hasValueSatisfying(c -> {
            assertThat(c.user()).isEqualTo(user.user());
            assertThat(c.passwordHash()).isEqualTo("pbkdf2-sha256$1$c2FsdA$aGFzaA");
        });
        assertThat(exportAll()).containsExactly(user);
    }

    @Test
    void importOfAnIdenticalUserIsUnchangedAndOfADifferentOneUpdatesIt() {
        ExportedUser user = exported(5, "ada@example.org", 3, Optional.of("hash"));
        store.importUser(user);

        assertThat(store.importUser(user)).isEqualTo(UserStore.ImportOutcome.UNCHANGED);

        ExportedUser renamed = new ExportedUser(
                new User(
                        5,
                        "Ada Lovelace",
                        "lovelace@example.org",
                        List.of("admin"),
                        user.user().createdAt(),
                        user.user().updatedAt().plusSeconds(60),
                        4),
                Optional.empty());
        assertThat(store.importUser(renamed)).isEqualTo(UserStore.ImportOutcome.UPDATED);
        assertThat(store.find(5)).contains(renamed.user());
        assertThat(store.credentials("lovelace@example.org"))
                .as("the hash was removed")
                .isEmpty();
        assertThat(store.create(draft("New Ada", "ada@example.org")).id())
                .as("the old email is free again")
                .isGreaterThan(5);
        assertThat(store.importUser(renamed)).isEqualTo(UserStore.ImportOutcome.UNCHANGED);
    }

    @Test
    void eachFieldThatDiffersMakesAnImportAnUpdate() {
        ExportedUser base = exported(9, "a@example.org", 2, Optional.of("h1"));
        User u = base.user();
        List<ExportedUser> variants = List.of(
                new ExportedUser(
                        new User(9, "Other", u.email(), u.roles(), u.createdAt(), u.updatedAt(), 2), Optional.of("h1")),
                new ExportedUser(
                        new User(9, u.name(), "A@example.org", u.roles(), u.createdAt(), u.updatedAt(), 2),
                        Optional.of("h1")),
                new ExportedUser(
                        new User(9, u.name(), u.email(), List.of("writer", "reader"), u.createdAt(), u.updatedAt(), 2),
                        Optional.of("h1")),
                new ExportedUser(
                        new User(
                                9, u.name(), u.email(), u.roles(), u.createdAt().minusMillis(1), u.updatedAt(), 2),
                        Optional.of("h1")),
                new ExportedUser(
                        new User(
                                9,
                                u.name(),
                                u.email(),
                                u.roles(),
                                u.createdAt(),
                                u.updatedAt().plusMillis(1),
                                2),
                        Optional.of("h1")),
                new ExportedUser(
                        new User(9, u.name(), u.email(), u.roles(), u.createdAt(), u.updatedAt(), 3),
                        Optional.of("h1")),
                new ExportedUser(u, Optional.of("h2")),
                new ExportedUser(u, Optional.empty()));
        for (ExportedUser variant : variants) {
            store.importUser(base);

            assertThat(store.importUser(variant)).as("%s", variant).isEqualTo(UserStore.ImportOutcome.UPDATED);
            assertThat(exportAll()).as("%s", variant).containsExactly(variant);
        }
    }

    @Test
    void reimportingAnExportIntoTheSameStoreChangesNothing() {
        store.create(new UserDraft("Ada", "ada@example.org", List.of("admin"), Optional.of("hash-a")));
        User bob = store.create(draft("Bob", "bob@example.org"));
        store.replace(bob.id(), draft("Bob 2", "bob@example.org"), OptionalLong.empty());
        List<ExportedUser> before = exportAll();

        for (ExportedUser user : before) {
            assertThat(store.importUser(user)).isEqualTo(UserStore.ImportOutcome.UNCHANGED);
        }

        assertThat(exportAll()).isEqualTo(before);
    }

    @Test
    void usersCreatedAfterAnImportGetGreaterIdsThanEveryImportedOne() {
        store.create(draft("Early", "early@example.org"));
        store.importUser(exported(1000, "imported@example.org", 1, Optional.empty()));
        store.importUser(exported(500, "older@example.org", 1, Optional.empty()));

        User next = store.create(draft("Next", "next@example.org"));

        assertThat(next.id()).isGreaterThan(1000);
        assertThat(exportAll()).extracting(ExportedUser::id).containsExactly(1L, 500L, 1000L, next.id());
    }

    @Test
    void importOfAnEmailAnotherUserHasIgnoringCaseThrowsDuplicateEmailAndChangesNothing() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        store.importUser(exported(77, "bob@example.org", 1, Optional.empty()));

        assertThatThrownBy(() -> store.importUser(exported(78, "ADA@example.org", 1, Optional.empty())))
                .isInstanceOf(DuplicateEmailException.class)
                .hasMessageContaining("'ADA@example.org'");
        assertThatThrownBy(() -> store.importUser(exported(77, "Ada@Example.org", 2, Optional.empty())))
                .as("an update to another user's email")
                .isInstanceOf(DuplicateEmailException.class);

        assertThat(exportAll())
                .containsExactly(
                        new ExportedUser(ada, Optional.empty()), exported(77, "bob@example.org", 1, Optional.empty()));
    }

    @Test
    void importRejectsARoleWithWhitespaceAsCreateDoes() {
        ExportedUser bad = new ExportedUser(
                new User(3, "A", "a@example.org", List.of("read er"), START, START, 1), Optional.empty());

        assertThatThrownBy(() -> store.importUser(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'read er'");
        assertThat(store.find(3)).isEmpty();
    }

    @Test
    void importKeepsMillisecondsSoAReimportOfTheSameFileIsUnchanged() {
        ExportedUser precise = new ExportedUser(
                new User(4, "A", "a@example.org", List.of(), START, START.plusSeconds(1), 1), Optional.empty());

        store.importUser(precise);

        assertThat(store.find(4).orElseThrow().createdAt()).isEqualTo(Instant.parse("2025-03-04T05:06:07.123Z"));
        assertThat(store.importUser(precise)).isEqualTo(UserStore.ImportOutcome.UNCHANGED);
    }

    @Test
    void exportOfTenThousandUsersStreamsThemInIdOrderFromASnapshot() throws Exception {
        int users = 10_000;
        // Imported from 16 threads: SQLite commits concurrent writes together (its group commit), so setting up
        // takes seconds, not one commit per user; PostgreSQL's imports each hold the users table's lock until they
        // commit, so there they run one at a time. The ids fix the order, not the threads.
        int threads = 16;
        try (var importers = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t + 1;
                done.add(importers.submit(() -> {
                    for (int i = first; i <= users; i += threads) {
                        store.importUser(exported(i * 2L, "user" + i + "@example.org", 1, Optional.of("hash-" + i)));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        }
        List<Long> ids = new ArrayList<>(users);
        java.util.concurrent.atomic.AtomicReference<User> createdMeanwhile =
                new java.util.concurrent.atomic.AtomicReference<>();

        long count = store.exportAll(user -> {
            if (ids.isEmpty()) {
                // A write while the export runs is not blocked by it, and is not part of its snapshot.
                try (var writer = java.util.concurrent.Executors.newSingleThreadExecutor()) {
                    createdMeanwhile.set(writer.submit(() -> store.create(draft("Late", "late@example.org")))
                            .get(10, java.util.concurrent.TimeUnit.SECONDS));
                } catch (Exception e) {
                    throw new AssertionError("a create during the export failed or waited for it", e);
                }
            }
            ids.add(user.id());
        });

        assertThat(count).isEqualTo(users);
        assertThat(ids).hasSize(users).isSorted().doesNotHaveDuplicates();
        assertThat(ids.getFirst()).isEqualTo(2);
        assertThat(ids.getLast()).isEqualTo(2L * users);
        assertThat(createdMeanwhile.get().id()).isGreaterThan(2L * users);
        assertThat(store.find(createdMeanwhile.get().id())).isPresent();
    }

    // --- failed logins (the login throttle) ---

    @Test
    void loginFailuresAreReadBackOldestFirstAfterTheGivenTimeWithMillisecondPrecision() {
        Instant t0 = START;
        store.recordLoginFailure("account:ada@example.org", t0.plusSeconds(2), t0.minusSeconds(60));
        store.recordLoginFailure("account:ada@example.org", t0, t0.minusSeconds(60));
        store.recordLoginFailure("ip:10.0.0.1", t0.plusSeconds(1), t0.minusSeconds(60));
        store.recordLoginFailure("account:ada@example.org", t0.plusSeconds(5), t0.minusSeconds(60));

        assertThat(store.loginFailures("account:ada@example.org", t0.minusSeconds(1)))
                .containsExactly(
                        Instant.parse("2025-03-04T05:06:07.123Z"),
                        Instant.parse("2025-03-04T05:06:09.123Z"),
                        Instant.parse("2025-03-04T05:06:12.123Z"));
        assertThat(store.loginFailures("account:ada@example.org", Instant.parse("2025-03-04T05:06:09.123Z")))
                .as("only failures after 'since'")
                .containsExactly(Instant.parse("2025-03-04T05:06:12.123Z"));
        assertThat(store.loginFailures("ip:10.0.0.1", t0.minusSeconds(1))).hasSize(1);
        assertThat(store.loginFailures("account:bob@example.org", t0.minusSeconds(1)))
                .isEmpty();
    }

    @Test
    void recordingAFailureForgetsTheFailuresOfEveryKeyAtOrBeforeForgetBefore() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        store.recordLoginFailure("ip:10.0.0.1", t0, t0.minusSeconds(60));
        store.recordLoginFailure("account:ada@example.org", t0.plusSeconds(10), t0.minusSeconds(60));
        store.recordLoginFailure("account:ada@example.org", t0.plusSeconds(20), t0.minusSeconds(60));

        store.recordLoginFailure("account:bob@example.org", t0.plusSeconds(70), t0.plusSeconds(10));

        Instant beginning = Instant.EPOCH;
        assertThat(store.loginFailures("ip:10.0.0.1", beginning)).isEmpty();
        assertThat(store.loginFailures("account:ada@example.org", beginning)).containsExactly(t0.plusSeconds(20));
        assertThat(store.loginFailures("account:bob@example.org", beginning)).containsExactly(t0.plusSeconds(70));
    }

    @Test
    void clearingForgetsOneKeysFailuresOnly() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        store.recordLoginFailure("account:ada@example.org", t0, t0.minusSeconds(60));
        store.recordLoginFailure("account:ada@example.org", t0.plusSeconds(1), t0.minusSeconds(60));
        store.recordLoginFailure("ip:10.0.0.1", t0.plusSeconds(1), t0.minusSeconds(60));

        store.clearLoginFailures("account:ada@example.org");
        store.clearLoginFailures("account:nobody@example.org");

        assertThat(store.loginFailures("account:ada@example.org", Instant.EPOCH))
                .isEmpty();
        assertThat(store.loginFailures("ip:10.0.0.1", Instant.EPOCH)).hasSize(1);
        store.recordLoginFailure("account:ada@example.org", t0.plusSeconds(2), t0.minusSeconds(60));
        assertThat(store.loginFailures("account:ada@example.org", Instant.EPOCH))
                .containsExactly(t0.plusSeconds(2));
    }
}
