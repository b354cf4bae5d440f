package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CursorTest {

    @Test
    void decodesTheCursorsItEncodes() {
        assertThat(Cursor.decode(Cursor.encode(0))).contains(0L);
        assertThat(Cursor.decode(Cursor.encode(42))).contains(42L);
        assertThat(Cursor.decode(Cursor.encode(Long.MAX_VALUE))).contains(Long.MAX_VALUE);
    }

    /** Found by CursorFuzzTest's invariant: other spellings of "v1:42" were accepted as cursors it never issued. */
    @Test
    void rejectsOtherSpellingsOfAnIssuedCursor() {
        assertThat(Cursor.encode(42)).isEqualTo("djE6NDI");
        assertThat(Cursor.decode("djE6NDI=")).as("padded").isEmpty();
        assertThat(Cursor.decode("djE6KzQy")).as("v1:+42").isEmpty();
        assertThat(Cursor.decode("djE6MDQy")).as("v1:042").isEmpty();
        assertThat(Cursor.decode("djE6NDJ"))
                .as("v1:42 with non-zero trailing bits")
                .isEmpty();
    }

    @Test
    void rejectsNegativeOverflowingAndForeignText() {
        assertThat(Cursor.decode("djE6LTE")).as("v1:-1").isEmpty();
        assertThat(Cursor.decode("djE6OTIyMzM3MjAzNjg1NDc3NTgwOA"))
                .as("overflow")
                .isEmpty();
        assertThat(Cursor.decode("djI6NDI")).as("v2:42").isEmpty();
        assertThat(Cursor.decode("!!!")).isEmpty();
        assertThat(Cursor.decode("")).isEmpty();
        assertThat(Cursor.decode("A".repeat(65))).isEmpty();
    }
}
