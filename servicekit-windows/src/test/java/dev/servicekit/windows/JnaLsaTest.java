package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link JnaLsa}'s reading of the array {@code LsaEnumerateAccountRights} returns, on native memory laid out as
 * Windows x64 lays out {@code LSA_UNICODE_STRING} (USHORT Length in bytes, USHORT MaximumLength, PWSTR Buffer; the
 * same alignment as x86-64 Linux), with buffers that do not end with a NUL. Wine's LSA never returns a list.
 */
class JnaLsaTest {

    @Test
    void readsEachRightByItsLengthWithoutNeedingANul() {
        String[] rights = {"SeServiceLogonRight", "SeBatchLogonRight"};
        int entry = 2 * Native.POINTER_SIZE;
        Memory array = new Memory((long) entry * rights.length);
        Memory[] buffers = new Memory[rights.length];
        for (int i = 0; i < rights.length; i++) {
            byte[] utf16 = rights[i].getBytes(StandardCharsets.UTF_16LE);
            buffers[i] = new Memory(utf16.length + 4L);
            buffers[i].write(0, utf16, 0, utf16.length);
            buffers[i].setInt(utf16.length, 0x00410041); // "AA" right after: a reader that looks for a NUL overruns
            array.setShort((long) i * entry, (short) utf16.length);
            array.setShort((long) i * entry + 2, (short) (utf16.length + 4));
            array.setPointer((long) i * entry + Native.POINTER_SIZE, buffers[i]);
        }

        assertThat(JnaLsa.rightNames(array, rights.length)).containsExactly(rights);
        assertThat(JnaLsa.rightNames(null, 0)).isEmpty();
    }
}
