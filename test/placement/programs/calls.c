/* calls.c - exercises every system call with a native implementation that
 * placement can switch (docs/placement.md), N times each, and prints only
 * what is the same in a native Linux run and in a hybrid run: values that
 * agree with the process's own view, error codes, properties of the
 * results. Usage: calls [N]  (default 20) */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static long sys(long nr, long a, long b, long c, long d)
{
    return syscall(nr, a, b, c, d);
}

/* "RET errno E" of a call expected to fail. */
static void fails(const char *what, long nr, long a, long b, long c, long d)
{
    errno = 0;
    long r = syscall(nr, a, b, c, d);
    int e = errno;
    printf("%s: %ld errno %d\n", what, r, e);
}

static void ids(int n)
{
    long pid = 0, ppid = 0, uid = 0, gid = 0, euid = 0, egid = 0;
    for (int i = 0; i < n; i++) {
        pid = sys(SYS_getpid, 0, 0, 0, 0);
        ppid = sys(SYS_getppid, 0, 0, 0, 0);
        uid = sys(SYS_getuid, 0, 0, 0, 0);
        gid = sys(SYS_getgid, 0, 0, 0, 0);
        euid = sys(SYS_geteuid, 0, 0, 0, 0);
        egid = sys(SYS_getegid, 0, 0, 0, 0);
    }
    printf("getpid: positive %d\n", pid > 0);
    printf("getppid: %s\n", getenv("MV_PPID") && atol(getenv("MV_PPID")) == ppid ? "the parent" : "WRONG");
    printf("getuid %ld getgid %ld geteuid %ld getegid %ld\n", uid, gid, euid, egid);
    printf("auxv agrees: %d\n", uid == (long)getauxval(AT_UID) && gid == (long)getauxval(AT_GID) &&
                                euid == (long)getauxval(AT_EUID) && egid == (long)getauxval(AT_EGID));
}

static void uname_(int n)
{
    struct utsname u;
    long r = 0;
    for (int i = 0; i < n; i++)
        r = sys(SYS_uname, (long)&u, 0, 0, 0);
    printf("uname: %ld %s %s %s\n", r, u.sysname, u.release, u.machine);
}

static void clocks(int n)
{
    struct timespec a, b, res;
    struct timeval tv;
    long t0 = sys(SYS_time, 0, 0, 0, 0), ok = 1;
    for (int i = 0; i < n; i++) {
        sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&a, 0, 0);
        sys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&b, 0, 0);
        ok &= b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
        ok &= sys(SYS_gettimeofday, (long)&tv, 0, 0, 0) == 0;
        ok &= tv.tv_sec >= t0 && tv.tv_sec <= t0 + 60;
        ok &= sys(SYS_time, 0, 0, 0, 0) >= t0;
        ok &= sys(SYS_clock_getres, CLOCK_MONOTONIC, (long)&res, 0, 0) == 0;
    }
    printf("clocks: monotonic and agreeing %ld, res %ld.%09ld\n", ok, (long)res.tv_sec, res.tv_nsec);
    fails("clock_gettime bad clock", SYS_clock_gettime, 12345, (long)&a, 0, 0);
}

static void sleeps(int n)
{
    struct timespec t0, t1, d = { 0, 2000000 }, bad = { 0, 1000000000 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++)
        sys(SYS_nanosleep, (long)&d, 0, 0, 0);
    for (int i = 0; i < n; i++)
        sys(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&d, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("sleeps: at least %d ms %d\n", 4 * n, ms >= 4 * n);
    fails("nanosleep bad", SYS_nanosleep, (long)&bad, 0, 0, 0);
    fails("clock_nanosleep bad clock", SYS_clock_nanosleep, 12345, 0, (long)&d, 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 3000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    printf("clock_nanosleep absolute: %ld\n", sys(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&until, 0));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("woke after the deadline: %d\n", now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec));
}

static void sched_(int n)
{
    long r = 0;
    for (int i = 0; i < n; i++)
        r |= sys(SYS_sched_yield, 0, 0, 0, 0);
    printf("sched_yield: %ld\n", r);
    cpu_set_t set;
    long size = 0;
    for (int i = 0; i < n; i++) {
        CPU_ZERO(&set);
        size = sys(SYS_sched_getaffinity, 0, sizeof set, (long)&set, 0);
    }
    /* the size is the kernel's cpumask: 8 bytes in the aerokernel, more on
     * a Linux built for many CPUs (docs/placement.md) */
    printf("sched_getaffinity: a whole number of longs %d, some cpu %d\n", size > 0 && size % 8 == 0, CPU_COUNT(&set) >= 1);
    fails("sched_getaffinity short", SYS_sched_getaffinity, 0, 3, (long)&set, 0);
}

static void random_(int n)
{
    unsigned char a[64], b[64];
    long r = 0, ones = 0;
    for (int i = 0; i < n; i++)
        r = sys(SYS_getrandom, (long)a, sizeof a, 0, 0);
    sys(SYS_getrandom, (long)b, sizeof b, 0, 0);
    for (unsigned i = 0; i < sizeof a; i++)
        ones += __builtin_popcount(a[i]);
    printf("getrandom: %ld, differs %d, bits plausible %d\n", r, memcmp(a, b, sizeof a) != 0, ones > 160 && ones < 352);
    printf("getrandom NONBLOCK: %ld\n", sys(SYS_getrandom, (long)a, 16, GRND_NONBLOCK, 0));
    printf("getrandom RANDOM: %ld\n", sys(SYS_getrandom, (long)a, 16, GRND_RANDOM, 0));
    printf("getrandom RANDOM|NONBLOCK: %ld\n", sys(SYS_getrandom, (long)a, 16, GRND_RANDOM | GRND_NONBLOCK, 0));
    printf("getrandom 0 bytes: %ld\n", sys(SYS_getrandom, (long)a, 0, 0, 0));
    static unsigned char big[100000];
    long got = sys(SYS_getrandom, (long)big, sizeof big, 0, 0), zero_run = 0, longest = 0;
    for (unsigned i = 0; i < sizeof big; i++) {
        zero_run = big[i] ? 0 : zero_run + 1;
        longest = zero_run > longest ? zero_run : longest;
    }
    printf("getrandom big: %ld, no long zero run %d\n", got, longest < 8);
    fails("getrandom bad flags", SYS_getrandom, (long)a, 16, 0x100, 0);
    fails("getrandom insecure|random", SYS_getrandom, (long)a, 16, GRND_RANDOM | 4, 0);
    fails("getrandom bad pointer", SYS_getrandom, 8, 16, 0, 0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    ids(n);
    uname_(n);
    clocks(n);
    sleeps(n / 4 ? n / 4 : 1);
    sched_(n);
    random_(n);
    return 0;
}
