/* timeouts.c - futex timeouts: pthread_cond_timedwait, sem_timedwait and
 * pthread_mutex_timedlock expire with ETIMEDOUT after at least their
 * timeout (CLOCK_REALTIME and CLOCK_MONOTONIC condition variables), and a
 * timed wait that is woken in time succeeds. */
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include "common.h"

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static struct timespec deadline(clockid_t clk, long ms)
{
    struct timespec d;
    clock_gettime(clk, &d);
    d.tv_nsec += ms * 1000000;
    d.tv_sec += d.tv_nsec / 1000000000;
    d.tv_nsec %= 1000000000;
    return d;
}

static void report(const char *what, int rc, long elapsed, long timeout)
{
    printf("%s: %s, waited at least the timeout: %s\n", what, rc == ETIMEDOUT ? "ETIMEDOUT" : rc == 0 ? "ok" : strerror(rc),
           elapsed >= timeout ? "yes" : "no");
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int flag;
static sem_t sem;

static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    sem_post(&sem);
    struct timespec ts = { 0, 200 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *waker(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&mu);
    flag = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(void)
{
    struct timespec t0, d;
    int rc;

    pthread_mutex_lock(&mu);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    d = deadline(CLOCK_REALTIME, 50);
    rc = pthread_cond_timedwait(&cv, &mu, &d);
    pthread_mutex_unlock(&mu);
    report("cond_timedwait realtime 50ms", rc, ms_since(&t0), 50);

    pthread_condattr_t ca;
    pthread_cond_t mcv;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&mcv, &ca);
    pthread_mutex_lock(&mu);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    d = deadline(CLOCK_MONOTONIC, 30);
    rc = pthread_cond_timedwait(&mcv, &mu, &d);
    pthread_mutex_unlock(&mu);
    report("cond_timedwait monotonic 30ms", rc, ms_since(&t0), 30);

    CHECK_ERRNO(sem_init(&sem, 0, 0));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    d = deadline(CLOCK_REALTIME, 40);
    rc = sem_timedwait(&sem, &d) == 0 ? 0 : errno;
    report("sem_timedwait 40ms", rc, ms_since(&t0), 40);

    pthread_t t;
    CHECK(pthread_create(&t, NULL, holder, NULL));
    while (sem_wait(&sem) != 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    d = deadline(CLOCK_REALTIME, 40);
    rc = pthread_mutex_timedlock(&mu, &d);
    report("mutex_timedlock 40ms", rc, ms_since(&t0), 40);
    CHECK(pthread_join(t, NULL));

    CHECK(pthread_create(&t, NULL, waker, NULL));
    pthread_mutex_lock(&mu);
    d = deadline(CLOCK_REALTIME, 10000);
    rc = 0;
    while (!flag && rc == 0)
        rc = pthread_cond_timedwait(&cv, &mu, &d);
    pthread_mutex_unlock(&mu);
    printf("cond_timedwait woken before its 10s deadline: %s\n", rc == 0 && flag ? "ok" : strerror(rc));
    CHECK(pthread_join(t, NULL));

    d = deadline(CLOCK_REALTIME, 0);
    d.tv_sec -= 1;
    rc = sem_timedwait(&sem, &d) == 0 ? 0 : errno;
    printf("sem_timedwait with a past deadline: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc));
    return 0;
}
