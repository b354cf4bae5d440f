package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.ProblemException;

/**
 * Coverage-guided fuzzing of the body of {@code POST /api/v1/users} and {@code PUT /api/v1/users/{id}}: the
 * raw bytes go through the same strict JSON binding ({@link JsonBodies#parse}) and validation
 * ({@link UsersApi#draft}) as a request. Invariant: the result is a draft that satisfies every field rule (no
 * control character in the name or the email among them), or a 400 {@link ProblemException}; any other exception
 * fails the test. Seeds and regression inputs:
 * {@code src/test/resources/dev/servicekit/users/UserBodyFuzzTestInputs/body/}. See docs/fuzzing.md.
 */
class UserBodyFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void body(byte[] body) {
        UserDraft draft;
        try {
            UserInput input = JsonBodies.parse(body, UserInput.class);
            draft = UsersApi.draft(input, password -> "hash-of-" + password.length());
        } catch (ProblemException problem) {
            assertThat(problem.status()).as(problem.detail()).isEqualTo(400);
            assertThat(problem.detail()).isNotBlank();
            return;
        }
        assertThat(draft.name())
                .isNotBlank()
                .hasSizeLessThanOrEqualTo(200)
                .isEqualTo(draft.name().strip());
        assertThat(draft.name().chars().noneMatch(Character::isISOControl)).isTrue();
        assertThat(draft.email())
                .contains("@")
                .hasSizeLessThanOrEqualTo(254)
                .isEqualTo(draft.email().strip());
        assertThat(draft.email().chars().noneMatch(Character::isISOControl))
                .as("no control character in an accepted email (PostgreSQL refuses U+0000)")
                .isTrue();
        assertThat(draft.roles()).isNotEmpty().doesNotHaveDuplicates().allMatch(UserInput.ROLES::contains);
    }
}
