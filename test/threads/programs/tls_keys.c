/* tls_keys.c - __thread variables (initialised and zero) and pthread keys
 * with destructors: every thread sees its own copies, destructors run with
 * each thread's value at exit. */
#include <pthread.h>
#include "common.h"

enum { N = 8, ITERS = 1000 };
static __thread long tls_counter = 100;
static __thread char tls_buf[64];
static pthread_key_t key;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long destructed[N];
static long results[N];

static void destroy(void *p)
{
    long *v = p;
    pthread_mutex_lock(&mu);
    destructed[v[0]] = v[1];
    pthread_mutex_unlock(&mu);
    free(v);
}

static void *worker(void *arg)
{
    long me = (long)(uintptr_t)arg;
    long *v = malloc(2 * sizeof *v);
    v[0] = me;
    v[1] = 0;
    CHECK(pthread_setspecific(key, v));
    snprintf(tls_buf, sizeof tls_buf, "thread-%ld", me);
    for (int i = 0; i < ITERS; i++) {
        tls_counter += me;
        ((long *)pthread_getspecific(key))[1] += i % (me + 1);
        if (i % 100 == 0)
            sched_yield();
    }
    char expect[64];
    snprintf(expect, sizeof expect, "thread-%ld", me);
    results[me] = strcmp(tls_buf, expect) == 0 ? tls_counter : -1;
    return NULL;
}

int main(void)
{
    CHECK(pthread_key_create(&key, destroy));
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i));
    for (long i = 0; i < N; i++)
        CHECK(pthread_join(t[i], NULL));
    for (long i = 0; i < N; i++)
        printf("thread %ld: tls_counter=%ld key_value_at_exit=%ld\n", i, results[i], destructed[i]);
    printf("main: tls_counter=%ld tls_buf='%s' key=%p\n", tls_counter, tls_buf, pthread_getspecific(key));
    return 0;
}
