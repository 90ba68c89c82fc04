/* cancel.c - deferred cancellation: threads cancelled while blocked in a
 * condition wait, in a read on a pipe, in nanosleep, and in a compute loop
 * polling pthread_testcancel; cleanup handlers run; a thread with
 * cancellation disabled finishes. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t started_cv = PTHREAD_COND_INITIALIZER;
static int started;
static int cleaned[5];
static int pipefd[2];

static void cleanup(void *arg)
{
    cleaned[(uintptr_t)arg]++;
}

static void mark_started(void)
{
    pthread_mutex_lock(&mu);
    started++;
    pthread_cond_broadcast(&started_cv);
    pthread_mutex_unlock(&mu);
}

static void *in_condwait(void *arg)
{
    pthread_cleanup_push(cleanup, arg);
    pthread_mutex_lock(&mu);
    started++;
    pthread_cond_broadcast(&started_cv);
    pthread_cleanup_push((void (*)(void *))pthread_mutex_unlock, &mu);
    for (;;)
        pthread_cond_wait(&cv, &mu);
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_read(void *arg)
{
    char c;
    pthread_cleanup_push(cleanup, arg);
    mark_started();
    (void)read(pipefd[0], &c, 1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_sleep(void *arg)
{
    pthread_cleanup_push(cleanup, arg);
    mark_started();
    struct timespec ts = { 30, 0 };
    nanosleep(&ts, NULL);
    pthread_cleanup_pop(0);
    return NULL;
}

static volatile uint64_t sink;

static void *in_compute(void *arg)
{
    pthread_cleanup_push(cleanup, arg);
    mark_started();
    uint64_t x = 1;
    for (;;) {
        for (int i = 0; i < 1000; i++)
            x = xorshift(x);
        sink = x;
        pthread_testcancel();
    }
    pthread_cleanup_pop(0);
    return NULL;
}

static void *disabled(void *arg)
{
    int old;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    mark_started();
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    pthread_testcancel();
    cleaned[(uintptr_t)arg] = 100;
    return (void *)42;
}

int main(void)
{
    CHECK_ERRNO(pipe(pipefd));
    /* from the least to the most the kernel must do: a flag polled by the
     * thread, a futex wait, a sleep, a forwarded read; each result is
     * flushed at once so that a run that hangs shows how far it got */
    void *(*fns[5])(void *) = { in_compute, disabled, in_condwait, in_sleep, in_read };
    const char *names[5] = { "testcancel", "disabled", "condwait", "nanosleep", "read" };
    pthread_t t[5];
    for (long i = 0; i < 5; i++)
        CHECK(pthread_create(&t[i], NULL, fns[i], (void *)(uintptr_t)i));
    pthread_mutex_lock(&mu);
    while (started < 5)
        pthread_cond_wait(&started_cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 5; i++)
        CHECK(pthread_cancel(t[i]));
    for (int i = 0; i < 5; i++) {
        void *ret;
        CHECK(pthread_join(t[i], &ret));
        printf("%s: %s, cleanup=%d\n", names[i], ret == PTHREAD_CANCELED ? "cancelled" : ret == (void *)42 ? "finished" : "?",
               cleaned[i]);
        fflush(stdout);
    }
    return 0;
}
