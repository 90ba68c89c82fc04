/* stdin_block.c - one thread blocks in read on stdin while WORKERS others
 * compute and make forwarded calls; when they are all done main prints
 * "workers done" and flushes, and only then does the test write to stdin
 * and close it. The reader reports what it got. */
#include <pthread.h>
#include <unistd.h>
#include "common.h"

enum { WORKERS = 4 };
static uint64_t results[WORKERS];
static char got[256];
static long got_len;

static void *reader(void *arg)
{
    (void)arg;
    long n;
    while ((n = read(0, got + got_len, sizeof got - 1 - (size_t)got_len)) > 0)
        got_len += n;
    return NULL;
}

static void *worker(void *arg)
{
    long me = (long)(uintptr_t)arg;
    uint64_t x = (uint64_t)me + 1, h = FNV_INIT;
    for (int i = 0; i < 200; i++) {
        for (int k = 0; k < 500; k++)
            x = xorshift(x);
        h = fnv_step(h, x + (getppid() > 0)); /* a forwarded call each round */
    }
    results[me] = h;
    return NULL;
}

int main(void)
{
    pthread_t r, t[WORKERS];
    CHECK(pthread_create(&r, NULL, reader, NULL));
    for (long i = 0; i < WORKERS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i));
    for (long i = 0; i < WORKERS; i++)
        CHECK(pthread_join(t[i], NULL));
    for (long i = 0; i < WORKERS; i++)
        printf("worker %ld: %016llx\n", i, (unsigned long long)results[i]);
    printf("workers done\n");
    fflush(stdout);
    CHECK(pthread_join(r, NULL));
    printf("reader got %ld bytes: %.*s", got_len, (int)got_len, got);
    return 0;
}
