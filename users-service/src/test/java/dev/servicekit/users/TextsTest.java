package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextsTest {

    private static final String EMOJI = "\uD83D\uDE00"; // one character, two chars

    @Test
    void aValueWithinTheLimitInCharactersIsQuotedWhole() {
        assertThat(Texts.abbreviate("abc", 5)).isEqualTo("abc");
        assertThat(Texts.abbreviate(EMOJI.repeat(5), 5))
                .as("ten chars, five characters")
                .isEqualTo(EMOJI.repeat(5));
    }

    @Test
    void aLongerValueIsCutAfterWholeCharactersOnly() {
        assertThat(Texts.abbreviate("abcdefgh", 6)).isEqualTo("abc...");
        assertThat(Texts.abbreviate("ab" + EMOJI.repeat(6), 6)).isEqualTo("ab" + EMOJI + "...");
        assertThat(Texts.abbreviate("a" + EMOJI.repeat(6), 6))
                .as("the cut falls inside the second emoji's pair in chars; in characters it does not")
                .isEqualTo("a" + EMOJI.repeat(2) + "...");
    }
}
