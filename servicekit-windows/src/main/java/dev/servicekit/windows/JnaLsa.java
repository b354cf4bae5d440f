package dev.servicekit.windows;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.Kernel32Util;
import com.sun.jna.platform.win32.NTSecApi.LSA_UNICODE_STRING;
import com.sun.jna.platform.win32.Win32Exception;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The real {@link WindowsServiceChecks.Lsa}: the account's SID ({@code LookupAccountName}), then
 * {@code LsaOpenPolicy(POLICY_LOOKUP_NAMES)} and {@code LsaEnumerateAccountRights} of advapi32. Windows only (advapi32
 * is loaded on the first call). Windows may refuse the calls to a process that is not elevated (access denied); every
 * failure, a refusal included, is returned as {@link WindowsServiceChecks.Rights.Failed}, never thrown.
 */
final class JnaLsa implements WindowsServiceChecks.Lsa {

    /** {@code POLICY_LOOKUP_NAMES}: the access {@code LsaEnumerateAccountRights} needs. */
    static final int POLICY_LOOKUP_NAMES = 0x00000800;

    /** advapi32's LSA functions; jna-platform's {@code Advapi32} has none of them. */
    interface LsaAdvapi32 extends StdCallLibrary {
        int LsaOpenPolicy(
                LSA_UNICODE_STRING systemName,
                LsaObjectAttributes objectAttributes,
                int desiredAccess,
                PointerByReference policyHandle);

        int LsaEnumerateAccountRights(
                Pointer policyHandle, Pointer accountSid, PointerByReference userRights, IntByReference countOfRights);

        int LsaFreeMemory(Pointer buffer);

        int LsaClose(Pointer objectHandle);

        int LsaNtStatusToWinError(int status);
    }

    /** {@code LSA_OBJECT_ATTRIBUTES}: reserved, all zero but its length. */
    @Structure.FieldOrder({
        "Length",
        "RootDirectory",
        "ObjectName",
        "Attributes",
        "SecurityDescriptor",
        "SecurityQualityOfService"
    })
    public static final class LsaObjectAttributes extends Structure {
        public int Length;
        public Pointer RootDirectory;
        public Pointer ObjectName;
        public int Attributes;
        public Pointer SecurityDescriptor;
        public Pointer SecurityQualityOfService;

        public LsaObjectAttributes() {
            Length = size();
        }
    }

    private static final class Holder {
        static final LsaAdvapi32 ADVAPI32 = Native.load("advapi32", LsaAdvapi32.class, W32APIOptions.UNICODE_OPTIONS);
    }

    @Override
    public WindowsServiceChecks.Rights rightsOf(String account) {
        // the SCM keeps local accounts as .\name; LookupAccountName knows no "." domain (ScmInstaller does the same)
        String name = account.startsWith(".\\") ? account.substring(2) : account;
        byte[] sid;
        try {
            sid = Advapi32Util.getAccountByName(name).sid;
        } catch (Win32Exception e) {
            return new WindowsServiceChecks.Rights.Failed(
                    "LookupAccountName(\"" + name + "\")", 0, message(e.getErrorCode()));
        }
        LsaAdvapi32 lsa = Holder.ADVAPI32;
        PointerByReference policy = new PointerByReference();
        int status = lsa.LsaOpenPolicy(null, new LsaObjectAttributes(), POLICY_LOOKUP_NAMES, policy);
        if (status != 0) {
            return failed(lsa, "LsaOpenPolicy", status);
        }
        try {
            PointerByReference rights = new PointerByReference();
            IntByReference count = new IntByReference();
            status = lsa.LsaEnumerateAccountRights(policy.getValue(), new WinNT.PSID(sid).getPointer(), rights, count);
            if (status != 0) {
                return failed(lsa, "LsaEnumerateAccountRights", status);
            }
            try {
                return new WindowsServiceChecks.Rights.Listed(rightNames(rights.getValue(), count.getValue()));
            } finally {
                if (rights.getValue() != null) {
                    lsa.LsaFreeMemory(rights.getValue());
                }
            }
        } finally {
            lsa.LsaClose(policy.getValue());
        }
    }

    /**
     * The names in {@code LsaEnumerateAccountRights}' array of {@code count} {@code LSA_UNICODE_STRING}s. Each
     * {@code Length} is in bytes and its buffer need not end with a NUL.
     */
    static List<String> rightNames(Pointer array, int count) {
        List<String> names = new ArrayList<>();
        if (count > 0 && array != null) {
            LSA_UNICODE_STRING first = Structure.newInstance(LSA_UNICODE_STRING.class, array);
            first.read();
            for (Structure s : first.toArray(count)) {
                LSA_UNICODE_STRING right = (LSA_UNICODE_STRING) s;
                // UTF-16LE bytes, not getCharArray: JNA reads a char as wchar_t, 4 bytes outside Windows
                names.add(new String(right.Buffer.getByteArray(0, right.Length & 0xFFFF), StandardCharsets.UTF_16LE));
            }
        }
        return names;
    }

    private static WindowsServiceChecks.Rights failed(LsaAdvapi32 lsa, String call, int status) {
        return new WindowsServiceChecks.Rights.Failed(call, status, message(lsa.LsaNtStatusToWinError(status)));
    }

    private static String message(int winError) {
        try {
            return "Win32 error " + winError + ": "
                    + Kernel32Util.formatMessage(winError).strip();
        } catch (RuntimeException e) {
            return "Win32 error " + winError;
        }
    }
}
