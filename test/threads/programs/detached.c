/* detached.c - detached threads (by attribute and by pthread_detach) do
 * their work and signal completion through a semaphore; nobody joins them. */
#include <pthread.h>
#include <semaphore.h>
#include "common.h"

enum { N = 32 };
static sem_t done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t total;

static void *worker(void *arg)
{
    uint64_t x = (uintptr_t)arg + 1, s = 0;
    for (int i = 0; i < 1000; i++) {
        x = xorshift(x);
        s += x & 0xff;
    }
    pthread_mutex_lock(&mu);
    total += s;
    pthread_mutex_unlock(&mu);
    sem_post(&done);
    return NULL;
}

int main(void)
{
    CHECK_ERRNO(sem_init(&done, 0, 0));
    pthread_attr_t a;
    CHECK(pthread_attr_init(&a));
    CHECK(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED));
    for (int round = 0; round < 4; round++) {
        for (long i = 0; i < N; i++) {
            pthread_t t;
            if (i % 2) {
                CHECK(pthread_create(&t, &a, worker, (void *)(uintptr_t)(round * N + i)));
            } else {
                CHECK(pthread_create(&t, NULL, worker, (void *)(uintptr_t)(round * N + i)));
                CHECK(pthread_detach(t));
            }
        }
        for (int i = 0; i < N; i++)
            while (sem_wait(&done) != 0)
                ;
    }
    pthread_mutex_lock(&mu);
    printf("detached threads=%d total=%llu\n", 4 * N, (unsigned long long)total);
    pthread_mutex_unlock(&mu);
    return 0;
}
