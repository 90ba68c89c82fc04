/* workers.c - a small pthreads program: worker threads sum the primes in
 * their share of a range, the main thread joins them, then greets whoever
 * types a name on standard input. Built natively or hybrid, it prints the
 * same thing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers.h"

struct share {
    int id;
    unsigned long lo, hi;   /* [lo, hi) */
    unsigned long primes;
    unsigned long long sum;
};

static int is_prime(unsigned long n)
{
    if (n < 2)
        return 0;
    for (unsigned long d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

static void *work(void *arg)
{
    struct share *s = arg;
    for (unsigned long n = s->lo; n < s->hi; n++) {
        if (is_prime(n)) {
            s->primes++;
            s->sum += n;
        }
    }
    return NULL;
}

int workers_run(int nthreads, unsigned long limit, struct totals *out)
{
    pthread_t tid[WORKERS_MAX];
    struct share share[WORKERS_MAX];

    if (nthreads == 0) {
        struct share all = { .id = 0, .lo = 0, .hi = limit };
        work(&all);
        printf("main thread: %lu primes in [0, %lu)\n", all.primes, limit);
        *out = (struct totals){ .primes = all.primes, .sum = all.sum };
        return 0;
    }
    unsigned long step = limit / (unsigned long)nthreads;

    for (int i = 0; i < nthreads; i++) {
        share[i] = (struct share){ .id = i, .lo = step * (unsigned long)i,
                                   .hi = i == nthreads - 1 ? limit : step * (unsigned long)(i + 1) };
        if (pthread_create(&tid[i], NULL, work, &share[i]) != 0)
            return -1;
    }
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        printf("worker %d: %lu primes in [%lu, %lu)\n", share[i].id, share[i].primes, share[i].lo, share[i].hi);
        out->primes += share[i].primes;
        out->sum += share[i].sum;
    }
    return 0;
}
