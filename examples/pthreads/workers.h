/* workers.h - the prime-summing worker threads of the pthreads example. */
#ifndef WORKERS_H
#define WORKERS_H

#define WORKERS_MAX 16

struct totals {
    unsigned long primes;
    unsigned long long sum;
};

/* Sums the primes below LIMIT with NTHREADS threads (1..WORKERS_MAX; 0: in the
 * calling thread), printing one line per worker. Returns 0, or -1 if a thread
 * cannot be created. */
int workers_run(int nthreads, unsigned long limit, struct totals *out);

#endif
