/*
 * servicekit-launcher's execve(2) for Linux: the JNI side of dev.servicekit.launcher.NativeExec.
 *
 * Replaces the calling process with argv[0], as the launcher's JNA path does, in one native call: every descriptor
 * above 2 is made close-on-exec (close_range(2) with CLOSE_RANGE_CLOEXEC, Linux 5.11+, else each entry of
 * /proc/self/fd with fcntl), the calling thread's signal mask is emptied (it survives execve), and the process's own
 * environment is passed on. Built by the module's pom with gcc where gcc is available; the launcher falls back to JNA
 * where this library is missing or does not load.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dev_servicekit_launcher_NativeExec.h"

extern char **environ;

#ifndef SYS_close_range
#define SYS_close_range 436 /* the same number on every Linux architecture (5.9+) */
#endif
#define SERVICEKIT_CLOSE_RANGE_CLOEXEC (1U << 2)

/* Marks every descriptor above 2 close-on-exec; 0, or -1 when /proc/self/fd cannot be read. */
static int close_on_exec_above_stderr(void) {
    if (syscall(SYS_close_range, 3U, ~0U, SERVICEKIT_CLOSE_RANGE_CLOEXEC) == 0) {
        return 0;
    }
    DIR *fds = opendir("/proc/self/fd");
    if (fds == NULL) {
        return -1;
    }
    int own = dirfd(fds);
    struct dirent *entry;
    while ((entry = readdir(fds)) != NULL) {
        char *end;
        long fd = strtol(entry->d_name, &end, 10);
        if (end != entry->d_name && *end == '\0' && fd > 2 && fd != own) {
            fcntl((int) fd, F_SETFD, FD_CLOEXEC);
        }
    }
    closedir(fds);
    return 0;
}

static void free_argv(char **argv, jsize count) {
    for (jsize i = 0; i < count; i++) {
        free(argv[i]);
    }
    free(argv);
}

/*
 * argv: each argument already encoded (the JVM's sun.jnu.encoding) without a terminating NUL. Returns errno of the
 * step that failed; does not return when execve worked.
 */
JNIEXPORT jint JNICALL Java_dev_servicekit_launcher_NativeExec_execve(JNIEnv *env, jclass type, jobjectArray arguments) {
    (void) type;
    jsize count = (*env)->GetArrayLength(env, arguments);
    if (count < 1) {
        return EINVAL;
    }
    char **argv = calloc((size_t) count + 1, sizeof(char *));
    if (argv == NULL) {
        return ENOMEM;
    }
    for (jsize i = 0; i < count; i++) {
        jbyteArray bytes = (jbyteArray) (*env)->GetObjectArrayElement(env, arguments, i);
        if (bytes == NULL) {
            free_argv(argv, count);
            return EINVAL;
        }
        jsize length = (*env)->GetArrayLength(env, bytes);
        argv[i] = malloc((size_t) length + 1);
        if (argv[i] == NULL) {
            free_argv(argv, count);
            return ENOMEM;
        }
        (*env)->GetByteArrayRegion(env, bytes, 0, length, (jbyte *) argv[i]);
        argv[i][length] = '\0';
        (*env)->DeleteLocalRef(env, bytes);
    }
    if (close_on_exec_above_stderr() != 0) {
        int error = errno;
        free_argv(argv, count);
        return error;
    }
    sigset_t none;
    sigemptyset(&none);
    if (pthread_sigmask(SIG_SETMASK, &none, NULL) != 0) {
        free_argv(argv, count);
        return EINVAL;
    }
    execve(argv[0], argv, environ);
    int error = errno;
    free_argv(argv, count);
    return error;
}
