/* callbench.c - the cost of one placeable system call: calls NAME ITER
 * times (raw syscall(2), so that libc caches and the vDSO do not hide the
 * call) and prints the mean nanoseconds per call, timed with
 * CLOCK_MONOTONIC. Used by tools/bench-placement.mjs, not by the tests.
 * Usage: callbench NAME ITER FILE   (FILE: the regular file written by
 * write, pwrite64 and writev) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    const char *name = argv[1];
    long iter = atol(argv[2]);
    int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 3;
    static char buf[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
    struct timespec ts = { 0, 0 };
    struct timeval tv;
    struct utsname u;
    cpu_set_t set;
    struct iovec iov[2] = { { buf, 8 }, { buf + 8, 8 } };
    long nr = -1, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    if (!strcmp(name, "getpid")) nr = SYS_getpid;
    else if (!strcmp(name, "getppid")) nr = SYS_getppid;
    else if (!strcmp(name, "getuid")) nr = SYS_getuid;
    else if (!strcmp(name, "getgid")) nr = SYS_getgid;
    else if (!strcmp(name, "geteuid")) nr = SYS_geteuid;
    else if (!strcmp(name, "getegid")) nr = SYS_getegid;
    else if (!strcmp(name, "uname")) nr = SYS_uname, a0 = (long)&u;
    else if (!strcmp(name, "time")) nr = SYS_time;
    else if (!strcmp(name, "gettimeofday")) nr = SYS_gettimeofday, a0 = (long)&tv;
    else if (!strcmp(name, "clock_gettime")) nr = SYS_clock_gettime, a0 = CLOCK_MONOTONIC, a1 = (long)&ts;
    else if (!strcmp(name, "clock_getres")) nr = SYS_clock_getres, a0 = CLOCK_MONOTONIC, a1 = (long)&ts;
    else if (!strcmp(name, "sched_yield")) nr = SYS_sched_yield;
    else if (!strcmp(name, "nanosleep")) nr = SYS_nanosleep, a0 = (long)&ts;
    else if (!strcmp(name, "clock_nanosleep")) nr = SYS_clock_nanosleep, a0 = CLOCK_MONOTONIC, a2 = (long)&ts;
    else if (!strcmp(name, "sched_getaffinity")) nr = SYS_sched_getaffinity, a1 = sizeof set, a2 = (long)&set;
    else if (!strcmp(name, "getrandom")) nr = SYS_getrandom, a0 = (long)buf, a1 = 16;
    else if (!strcmp(name, "write")) nr = SYS_write, a0 = fd, a1 = (long)buf, a2 = 16;
    else if (!strcmp(name, "writev")) nr = SYS_writev, a0 = fd, a1 = (long)iov, a2 = 2;
    else if (!strcmp(name, "pwrite64")) nr = SYS_pwrite64, a0 = fd, a1 = (long)buf, a2 = 16;
    if (nr < 0) {
        fprintf(stderr, "callbench: unknown call %s\n", name);
        return 2;
    }
    syscall(nr, a0, a1, a2, a3);            /* warm up (classification, partner) */
    double t0 = now_ns();
    for (long i = 0; i < iter; i++) {
        if (nr == SYS_pwrite64)
            a3 = 16 * (i + 1);
        syscall(nr, a0, a1, a2, a3);
    }
    double t1 = now_ns();
    close(fd);                              /* the buffered writes count too */
    double t2 = now_ns();
    printf("%.1f\n", (t2 - t0 - (nr == SYS_write || nr == SYS_writev || nr == SYS_pwrite64 ? 0 : t2 - t1)) / iter);
    return 0;
}
