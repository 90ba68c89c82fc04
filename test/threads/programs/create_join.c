/* create_join.c - [N] [BATCH]: create and join N threads (default 1000),
 * BATCH (default 32, at most 256) alive at once; each returns a value
 * computed from its index. */
#include <pthread.h>
#include "common.h"

static void *work(void *arg)
{
    uintptr_t i = (uintptr_t)arg;
    return (void *)(i * i + 7);
}

int main(int argc, char **argv)
{
    long n = arg_count(argc, argv, 1, 1000);
    long batch = arg_count(argc, argv, 2, 32);
    if (n < 1 || batch < 1 || batch > 256)
        return 2;
    pthread_t t[256];
    uint64_t sum = 0, h = FNV_INIT;
    for (long base = 0; base < n; base += batch) {
        long k = n - base < batch ? n - base : batch;
        for (long j = 0; j < k; j++)
            CHECK(pthread_create(&t[j], NULL, work, (void *)(uintptr_t)(base + j)));
        for (long j = 0; j < k; j++) {
            void *ret;
            CHECK(pthread_join(t[j], &ret));
            sum += (uintptr_t)ret;
            h = fnv_step(h, (uintptr_t)ret);
        }
    }
    printf("threads=%ld sum=%llu fnv=%016llx\n", n, (unsigned long long)sum, (unsigned long long)h);
    return 0;
}
