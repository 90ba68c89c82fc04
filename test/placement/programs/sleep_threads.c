/* sleep_threads.c - while the main thread sleeps (nanosleep, then
 * clock_nanosleep), a worker thread must run: a sleep blocks only its own
 * thread, natively in the aerokernel or forwarded to its own partner. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int stage;

static void *worker(void *arg)
{
    (void)arg;
    for (int want = 1; want <= 2; want++) {
        while (atomic_load(&stage) != want)
            ;                                   /* spin: no system call */
        volatile unsigned long h = 0;
        for (unsigned long i = 0; i < 2000000; i++)
            h = h * 31 + i;
        atomic_store(&stage, want + 10);        /* done while main sleeps */
    }
    return NULL;
}

static void sleep_ms(int ms, int clock_variant)
{
    struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
    if (clock_variant)
        clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
    else
        nanosleep(&d, NULL);
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    for (int v = 0; v < 2; v++) {
        atomic_store(&stage, v + 1);
        int waited = 0;
        while (atomic_load(&stage) != v + 11 && waited < 5000) {
            sleep_ms(500, v);
            waited += 500;
        }
        printf("%s: the worker ran while main slept: %d\n", v ? "clock_nanosleep" : "nanosleep",
               atomic_load(&stage) == v + 11 && waited == 500);
    }
    pthread_join(t, NULL);
    return 0;
}
