/* microbench.c - the core micro-benchmarks of `multiverse bench`: one
 * figure per run, chosen by argv[1], printed as "FIGURE VALUE\n" (ns). The
 * same ELF is run natively and as a hybrid; see docs/benchmarks.md.
 *
 *   microbench MODE [N]
 *   p50 of single calls (each timed, the timer's own cost subtracted):
 *     getppid
 *   mean over N calls in a loop:
 *     getpid clock_gettime clock_gettime_syscall sched_yield mmap_munmap
 *     thread_create_join futex_pingpong (one round trip: A wakes B, B wakes A)
 *   p50 over batches of 64 round trips, divided by 64:
 *     pingpong (two threads bouncing one cache line)
 *   idle: print "idle\n", then read stdin until end of file (for the idle
 *     CPU figure; the caller keeps stdin open and quiet). */
#define _GNU_SOURCE
/* musl ships no kernel headers: the futex operations, from the Linux ABI */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    return v[n / 2];
}

/* p50 of one call of fn, minus the p50 of an empty timed interval. */
static double p50_call(long n, void (*fn)(void))
{
    uint64_t *v = malloc((size_t)n * sizeof *v);
    if (!v)
        exit(2);
    for (long i = 0; i < n; i++) {
        uint64_t t0 = now_ns();
        uint64_t t1 = now_ns();
        v[i] = t1 - t0;
    }
    uint64_t empty = median(v, n);
    for (long i = 0; i < n; i++) {
        uint64_t t0 = now_ns();
        fn();
        v[i] = now_ns() - t0;
    }
    uint64_t m = median(v, n);
    free(v);
    return m > empty ? (double)(m - empty) : 0.0;
}

static void call_getppid(void) { (void)getppid(); }

static double mean_loop(long n, void (*fn)(void))
{
    for (long i = 0; i < n / 10 + 1; i++) /* warm up */
        fn();
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        fn();
    return (double)(now_ns() - t0) / (double)n;
}

static void call_getpid(void) { (void)syscall(SYS_getpid); }
static void call_yield(void) { (void)syscall(SYS_sched_yield); }
static void call_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
}
static void call_clock_syscall(void)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
}
static void call_mmap(void)
{
    void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    munmap(p, 65536);
}

static void *nothing(void *arg) { return arg; }
static void create_join(void)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, nothing, NULL);
    if (rc) {
        fprintf(stderr, "pthread_create: %s\n", strerror(rc));
        exit(3);
    }
    pthread_join(t, NULL);
}

/* ---- futex ping-pong: a word that says whose turn it is ---- */
static _Atomic int turn;
static long rounds;

static void futex_wait(_Atomic int *w, int val)
{
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic int *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *futex_partner(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        while (atomic_load(&turn) != 1)
            futex_wait(&turn, 0);
        atomic_store(&turn, 0);
        futex_wake(&turn);
    }
    return NULL;
}

static double futex_pingpong(long n)
{
    pthread_t t;
    rounds = n;
    if (pthread_create(&t, NULL, futex_partner, NULL)) {
        fprintf(stderr, "pthread_create failed\n");
        exit(3);
    }
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        atomic_store(&turn, 1);
        futex_wake(&turn);
        while (atomic_load(&turn) != 0)
            futex_wait(&turn, 1);
    }
    uint64_t dt = now_ns() - t0;
    pthread_join(t, NULL);
    return (double)dt / (double)n;
}

/* ---- cache-line ping-pong: spin on one shared word ---- */
static _Alignas(64) _Atomic long ball;

static void *bouncer(void *arg)
{
    long total = (long)(intptr_t)arg;
    for (long i = 0; i < total; i++) {
        while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * i + 1)
            ;
        atomic_store_explicit(&ball, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

static double pingpong(long batches)
{
    enum { BATCH = 64 };
    uint64_t *v = malloc((size_t)batches * sizeof *v);
    pthread_t t;
    if (!v || pthread_create(&t, NULL, bouncer, (void *)(intptr_t)(batches * BATCH))) {
        fprintf(stderr, "pthread_create failed\n");
        exit(3);
    }
    long k = 0;
    for (long b = 0; b < batches; b++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < BATCH; i++, k++) {
            atomic_store_explicit(&ball, 2 * k + 1, memory_order_release);
            while (atomic_load_explicit(&ball, memory_order_acquire) != 2 * k + 2)
                ;
        }
        v[b] = now_ns() - t0;
    }
    pthread_join(t, NULL);
    double m = (double)median(v, batches) / BATCH;
    free(v);
    return m;
}

static int idle(void)
{
    char buf[256];
    printf("idle\n");
    fflush(stdout);
    while (read(0, buf, sizeof buf) > 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: microbench MODE [N]\n");
        return 2;
    }
    const char *m = argv[1];
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
    if (n < 1)
        return 2;
    double r;
    if (!strcmp(m, "idle"))
        return idle();
    else if (!strcmp(m, "getppid"))
        r = p50_call(n, call_getppid);
    else if (!strcmp(m, "getpid"))
        r = mean_loop(n, call_getpid);
    else if (!strcmp(m, "clock_gettime"))
        r = mean_loop(n, call_clock);
    else if (!strcmp(m, "clock_gettime_syscall"))
        r = mean_loop(n, call_clock_syscall);
    else if (!strcmp(m, "sched_yield"))
        r = mean_loop(n, call_yield);
    else if (!strcmp(m, "mmap_munmap"))
        r = mean_loop(n, call_mmap);
    else if (!strcmp(m, "thread_create_join"))
        r = mean_loop(n, create_join);
    else if (!strcmp(m, "futex_pingpong"))
        r = futex_pingpong(n);
    else if (!strcmp(m, "pingpong"))
        r = pingpong(n);
    else {
        fprintf(stderr, "microbench: unknown mode %s\n", m);
        return 2;
    }
    printf("%s %.1f\n", m, r);
    return 0;
}
