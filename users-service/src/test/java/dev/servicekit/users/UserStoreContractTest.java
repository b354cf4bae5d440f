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
    }
}
