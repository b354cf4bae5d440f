package dev.servicekit.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Structure;

/**
 * The few libc calls this module needs, through JNA. Java's own UNIX-domain sockets are stream-only, and
 * {@code sd_notify} needs a datagram socket sent from the main process itself ({@code NotifyAccess=main}), so
 * spawning {@code systemd-notify} would not do. Loaded on first use; Linux only.
 */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int AF_UNIX = 1;
    int SOCK_DGRAM = 2;
    int SOCK_CLOEXEC = 0x80000;
    int MSG_NOSIGNAL = 0x4000;
    int CLOCK_MONOTONIC = 1;
    int SOL_SOCKET = 1;
    /** {@code SO_SNDTIMEO} on x86-64 and arm64 Linux (the asm-generic value). */
    int SO_SNDTIMEO = 21;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength)
            throws LastErrorException;

    int bind(int fd, byte[] address, int addressLength) throws LastErrorException;

    int connect(int fd, byte[] address, int addressLength) throws LastErrorException;

    NativeLong send(int fd, byte[] buffer, NativeLong length, int flags) throws LastErrorException;

    /** With a {@code struct timeval} (two longs on LP64) for the time-out options. */
    int setsockopt(int fd, int level, int option, long[] value, int length) throws LastErrorException;

    int close(int fd);

    int clock_gettime(int clock, Timespec time) throws LastErrorException;

    int geteuid();

    /** {@code struct timespec} on LP64 Linux. */
    @Structure.FieldOrder({"tv_sec", "tv_nsec"})
    class Timespec extends Structure {
        public NativeLong tv_sec;
        public NativeLong tv_nsec;
    }
}
