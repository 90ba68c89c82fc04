/* sync.c - synchronisation workloads with deterministic checksums:
 *   sync mutex|condvar|rwlock|barrier|spin|sem [THREADS] [ITERS]
 * Each prints one line whose numbers do not depend on scheduling. */
#include <pthread.h>
#include <semaphore.h>
#include "common.h"

static long nthreads, iters;

/* ---- mutex: every thread adds its own sequence to shared totals ---- */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t m_count, m_sum, m_xor;

static void *mutex_worker(void *arg)
{
    uint64_t x = (uintptr_t)arg + 1;
    for (long i = 0; i < iters; i++) {
        x = xorshift(x);
        pthread_mutex_lock(&mu);
        m_count++;
        m_sum += x & 0xffff;
        m_xor ^= x;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

/* ---- condvar: a bounded queue, producers push numbers, consumers sum ---- */
enum { QCAP = 8 };
static pthread_cond_t notfull = PTHREAD_COND_INITIALIZER, notempty = PTHREAD_COND_INITIALIZER;
static uint64_t q[QCAP];
static int qhead, qlen;
static long produced_left, consumed_sum_items;
static uint64_t c_sum;

static void *cv_producer(void *arg)
{
    uint64_t x = (uintptr_t)arg * 7919 + 1;
    for (long i = 0; i < iters; i++) {
        x = xorshift(x);
        pthread_mutex_lock(&mu);
        while (qlen == QCAP)
            pthread_cond_wait(&notfull, &mu);
        q[(qhead + qlen++) % QCAP] = x & 0xfffff;
        pthread_cond_signal(&notempty);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static void *cv_consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (qlen == 0 && produced_left > 0)
            pthread_cond_wait(&notempty, &mu);
        if (qlen == 0) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        uint64_t v = q[qhead];
        qhead = (qhead + 1) % QCAP;
        qlen--;
        produced_left--;
        c_sum += v;
        consumed_sum_items++;
        if (produced_left == 0)
            pthread_cond_broadcast(&notempty);
        pthread_cond_signal(&notfull);
        pthread_mutex_unlock(&mu);
    }
}

/* ---- rwlock: writers move amounts between cells (the total is invariant),
 * readers check the invariant ---- */
enum { CELLS = 16 };
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long cells[CELLS];
static long rw_bad, rw_reads;

static void *rw_writer(void *arg)
{
    uint64_t x = (uintptr_t)arg + 11;
    for (long i = 0; i < iters; i++) {
        x = xorshift(x);
        pthread_rwlock_wrlock(&rw);
        cells[x % CELLS] -= (long)(x >> 60);
        cells[(x >> 8) % CELLS] += (long)(x >> 60);
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *rw_reader(void *arg)
{
    (void)arg;
    long bad = 0;
    for (long i = 0; i < iters; i++) {
        pthread_rwlock_rdlock(&rw);
        long s = 0;
        for (int c = 0; c < CELLS; c++)
            s += cells[c];
        pthread_rwlock_unlock(&rw);
        bad += s != 1000 * CELLS;
    }
    pthread_mutex_lock(&mu);
    rw_bad += bad;
    rw_reads += iters;
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* ---- barrier: in each round every thread writes its slot, then reads its
 * neighbour's value from the same round ---- */
static pthread_barrier_t bar;
static uint64_t slots[64], b_acc[64];

static void *barrier_worker(void *arg)
{
    long me = (long)(uintptr_t)arg;
    for (long r = 0; r < iters; r++) {
        slots[me] = (uint64_t)r * 1000 + me;
        pthread_barrier_wait(&bar);
        b_acc[me] = fnv_step(b_acc[me], slots[(me + 1) % nthreads]);
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

/* ---- spinlock ---- */
static pthread_spinlock_t spin;
static uint64_t s_count, s_sum;

static void *spin_worker(void *arg)
{
    uint64_t x = (uintptr_t)arg + 3;
    for (long i = 0; i < iters; i++) {
        x = xorshift(x);
        pthread_spin_lock(&spin);
        s_count++;
        s_sum += x & 0xff;
        pthread_spin_unlock(&spin);
    }
    return NULL;
}

/* ---- semaphore: a ring of slots guarded by counting semaphores ---- */
static sem_t empty, full;
static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t ring[QCAP];
static int ring_w, ring_r;
static uint64_t sem_sum;

static void *sem_producer(void *arg)
{
    uint64_t x = (uintptr_t)arg * 31 + 5;
    for (long i = 0; i < iters; i++) {
        x = xorshift(x);
        while (sem_wait(&empty) != 0)
            ;
        pthread_mutex_lock(&ring_mu);
        ring[ring_w++ % QCAP] = x & 0xffff;
        pthread_mutex_unlock(&ring_mu);
        sem_post(&full);
    }
    return NULL;
}

static void *sem_consumer(void *arg)
{
    long n = (long)(uintptr_t)arg;
    uint64_t s = 0;
    for (long i = 0; i < n; i++) {
        while (sem_wait(&full) != 0)
            ;
        pthread_mutex_lock(&ring_mu);
        s += ring[ring_r++ % QCAP];
        pthread_mutex_unlock(&ring_mu);
        sem_post(&empty);
    }
    pthread_mutex_lock(&mu);
    sem_sum += s;
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void run_all(void *(*fn)(void *), long n, pthread_t *t)
{
    for (long i = 0; i < n; i++)
        CHECK(pthread_create(&t[i], NULL, fn, (void *)(uintptr_t)i));
}

static void join_all(long n, pthread_t *t)
{
    for (long i = 0; i < n; i++)
        CHECK(pthread_join(t[i], NULL));
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sync mutex|condvar|rwlock|barrier|spin|sem [THREADS] [ITERS]\n");
        return 2;
    }
    const char *mode = argv[1];
    nthreads = arg_count(argc, argv, 2, 4);
    iters = arg_count(argc, argv, 3, 2000);
    if (nthreads < 2 || nthreads > 32) {
        fprintf(stderr, "THREADS must be 2..32\n");
        return 2;
    }
    pthread_t t[64];
    if (!strcmp(mode, "mutex")) {
        run_all(mutex_worker, nthreads, t);
        join_all(nthreads, t);
        printf("mutex threads=%ld count=%llu sum=%llu xor=%016llx\n", nthreads, (unsigned long long)m_count,
               (unsigned long long)m_sum, (unsigned long long)m_xor);
    } else if (!strcmp(mode, "condvar")) {
        long np = nthreads / 2, nc = nthreads - np;
        produced_left = np * iters;
        run_all(cv_producer, np, t);
        for (long i = 0; i < nc; i++)
            CHECK(pthread_create(&t[np + i], NULL, cv_consumer, NULL));
        join_all(nthreads, t);
        printf("condvar producers=%ld consumers=%ld items=%ld sum=%llu\n", np, nc, consumed_sum_items,
               (unsigned long long)c_sum);
    } else if (!strcmp(mode, "rwlock")) {
        for (int c = 0; c < CELLS; c++)
            cells[c] = 1000;
        long nw = nthreads / 2, nr = nthreads - nw;
        run_all(rw_writer, nw, t);
        for (long i = 0; i < nr; i++)
            CHECK(pthread_create(&t[nw + i], NULL, rw_reader, NULL));
        join_all(nthreads, t);
        uint64_t h = FNV_INIT;
        for (int c = 0; c < CELLS; c++)
            h = fnv_step(h, (uint64_t)cells[c]);
        printf("rwlock writers=%ld readers=%ld reads=%ld broken=%ld cells=%016llx\n", nw, nr, rw_reads, rw_bad,
               (unsigned long long)h);
    } else if (!strcmp(mode, "barrier")) {
        CHECK(pthread_barrier_init(&bar, NULL, (unsigned)nthreads));
        run_all(barrier_worker, nthreads, t);
        join_all(nthreads, t);
        uint64_t h = FNV_INIT;
        for (long i = 0; i < nthreads; i++)
            h = fnv_step(h, b_acc[i]);
        printf("barrier threads=%ld rounds=%ld fnv=%016llx\n", nthreads, iters, (unsigned long long)h);
        pthread_barrier_destroy(&bar);
    } else if (!strcmp(mode, "spin")) {
        CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE));
        run_all(spin_worker, nthreads, t);
        join_all(nthreads, t);
        printf("spin threads=%ld count=%llu sum=%llu\n", nthreads, (unsigned long long)s_count,
               (unsigned long long)s_sum);
    } else if (!strcmp(mode, "sem")) {
        long np = nthreads / 2, nc = nthreads - np;
        CHECK_ERRNO(sem_init(&empty, 0, QCAP));
        CHECK_ERRNO(sem_init(&full, 0, 0));
        run_all(sem_producer, np, t);
        long total = np * iters;
        for (long i = 0; i < nc; i++) {
            long share = total / nc + (i < total % nc);
            CHECK(pthread_create(&t[np + i], NULL, sem_consumer, (void *)(uintptr_t)share));
        }
        join_all(nthreads, t);
        int v;
        sem_getvalue(&empty, &v);
        printf("sem producers=%ld consumers=%ld items=%ld sum=%llu empty=%d\n", np, nc, total,
               (unsigned long long)sem_sum, v);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
