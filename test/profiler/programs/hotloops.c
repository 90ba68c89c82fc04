/* hotloops.c - the profiler tests' program. Modes:
 *   hotloops work UNITS   forwarded calls at known lines (100 write to
 *                         /dev/null, 37 getcwd), then two hot loops in
 *                         different functions with a 3:1 work ratio, called
 *                         in turns (a unit each) so that a slower stretch of
 *                         the shared host hits both alike
 *   hotloops fwd N        N access() calls in a loop (time goes to forwarding)
 *   hotloops two N        N rounds of caller_a() and caller_b(), which both
 *                         forward through probe() from the same stack depth
 *   hotloops sleep MS     sleeps MS milliseconds (the vCPU idles)
 *   hotloops crash        some work, a write, then a NULL dereference
 * Lines marked FWD-* are looked up by the test; the functions keep their
 * own frames (noinline) so that samples land in them. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WRITES 100
#define GETCWDS 37
#define UNIT 1000000

static volatile uint64_t sink;

__attribute__((noinline)) void hot_three(unsigned units)
{
    uint64_t x = 1;
    for (uint64_t i = 0; i < 3ull * units * UNIT; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
}

__attribute__((noinline)) void hot_one(unsigned units)
{
    uint64_t x = 2;
    for (uint64_t i = 0; i < 1ull * units * UNIT; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
}

__attribute__((noinline)) void forwarded_calls(void)
{
    int fd = open("/dev/null", O_WRONLY);
    char buf[256];
    for (int i = 0; i < WRITES; i++)
        if (write(fd, "x", 1) != 1) /* FWD-WRITE */
            exit(2);
    for (int i = 0; i < GETCWDS; i++)
        if (!getcwd(buf, sizeof buf)) /* FWD-GETCWD */
            exit(3);
    close(fd);
}

__attribute__((noinline)) void many_access(long n)
{
    long ok = 0;
    for (long i = 0; i < n; i++)
        ok += access("/", F_OK) == 0; /* FWD-ACCESS */
    printf("hotloops: %ld access calls, %ld ok\n", n, ok);
}

__attribute__((noinline)) void probe(void)
{
    if (access("/", F_OK) != 0) /* FWD-PROBE */
        exit(4);
}

__attribute__((noinline)) void caller_a(void)
{
    sink += 1;
    probe(); /* CALL-A */
    sink += 1;
}

__attribute__((noinline)) void caller_b(void)
{
    sink += 2;
    probe(); /* CALL-B */
    sink += 2;
}

__attribute__((noinline)) void crash(void)
{
    hot_one(20);
    printf("hotloops: about to crash\n");
    fflush(stdout);
    *(volatile int *)(uintptr_t)sink = 1;   /* sink is small: not mapped */
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "work";
    long n = argc > 2 ? atol(argv[2]) : 0;
    if (!strcmp(mode, "work")) {
        forwarded_calls();
        for (long u = 0; u < n; u++) {
            hot_three(1);
            hot_one(1);
        }
        printf("hotloops: %ld units, %d writes, %d getcwd\n", n, WRITES, GETCWDS);
    } else if (!strcmp(mode, "fwd")) {
        many_access(n);
    } else if (!strcmp(mode, "two")) {
        for (long i = 0; i < n; i++) {
            caller_a();
            caller_b();
        }
        printf("hotloops: %ld rounds\n", n);
    } else if (!strcmp(mode, "sleep")) {
        struct timespec ts = { n / 1000, (n % 1000) * 1000000 };
        nanosleep(&ts, NULL);
        printf("hotloops: slept %ld ms\n", n);
    } else if (!strcmp(mode, "crash")) {
        sink = 16;
        crash();
    } else {
        fprintf(stderr, "usage: hotloops work UNITS | fwd N | two N | sleep MS | crash\n");
        return 2;
    }
    return 0;
}
