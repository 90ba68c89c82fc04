/* hotspots.c - the profile-core tests' program: two hot loops in separate
 * functions with a 3:1 work ratio (called in turns, a unit each), forwarded
 * calls at known lines (CALLS_PPID getppid, CALLS_CWD getcwd), natively
 * handled getpid calls (CALLS_PID), output on stdout and the exit status 3.
 *   hotspots UNITS [announce]   (announce: a line on stdout before the loops)
 * Lines marked SITE-* are looked up by the tests; noinline keeps the
 * functions' own frames. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CALLS_PPID 123
#define CALLS_CWD 17
#define CALLS_PID 5
#define UNIT 1000000

static volatile uint64_t sink;

__attribute__((noinline)) void spin_three(void)
{
    uint64_t x = 3;
    for (uint64_t i = 0; i < 3ull * UNIT; i++)
        x = x * 2862933555777941757ull + 3037000493ull; /* HOT-THREE */
    sink = x;
}

__attribute__((noinline)) void spin_one(void)
{
    uint64_t x = 5;
    for (uint64_t i = 0; i < 1ull * UNIT; i++)
        x = x * 2862933555777941757ull + 3037000493ull; /* HOT-ONE */
    sink = x;
}

__attribute__((noinline)) long ask_parent(void)
{
    long sum = 0;
    for (int i = 0; i < CALLS_PPID; i++)
        sum += getppid(); /* SITE-PPID */
    return sum;
}

__attribute__((noinline)) int where_am_i(void)
{
    char buf[512];
    int ok = 0;
    for (int i = 0; i < CALLS_CWD; i++)
        ok += getcwd(buf, sizeof buf) != NULL; /* SITE-CWD */
    return ok;
}

int main(int argc, char **argv)
{
    long units = argc > 1 ? atol(argv[1]) : 10;
    long pids = 0;
    for (int i = 0; i < CALLS_PID; i++)
        pids += getpid() > 0;
    long ppid = ask_parent();
    int cwd = where_am_i();
    if (argc > 2) {             /* "hotspots UNITS announce": say when the loops start */
        printf("hotspots: started\n");
        fflush(stdout);
    }
    for (long u = 0; u < units; u++) {
        spin_three();
        spin_one();
    }
    printf("hotspots: %ld units, %ld getpid, %d getcwd, parent known %d, sink %llu\n",
           units, pids, cwd, ppid != 0, (unsigned long long)sink);
    return 3;
}
