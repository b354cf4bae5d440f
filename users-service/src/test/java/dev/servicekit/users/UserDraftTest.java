package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UserDraftTest {

    @Test
    void toStringDoesNotShowThePasswordHash() {
        UserDraft draft =
                new UserDraft("Ada", "ada@example.org", List.of("reader"), Optional.of("pbkdf2-sha256$1$salt$secret"));

        assertThat(draft.toString())
                .contains("Ada", "ada@example.org", "<redacted>")
                .doesNotContain("secret");
    }

    @Test
    void rolesAreCopiedSoLaterChangesToTheCallersListDoNotLeakIn() {
        List<String> roles = new ArrayList<>(List.of("reader"));
        UserDraft draft = UserDraft.withoutPassword("Ada", "ada@example.org", roles);

        roles.add("admin");

        assertThat(draft.roles()).containsExactly("reader");
    }

    @Test
    void aRoleWithWhitespaceOrNoCharactersIsRejected() {
        for (String role : new String[] {"", "read er", "reader\t"}) {
            assertThatThrownBy(() -> UserDraft.withoutPassword("Ada", "ada@example.org", List.of(role)))
                    .as("role '%s'", role)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + role + "'");
        }
    }
}
