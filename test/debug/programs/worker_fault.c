/* worker_fault.c - a worker thread stores through NULL while main waits in
 * pthread_join (the worker first sleeps a little, so that main is there):
 * the debugger must stop in the worker, naming it. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void *worker(void *arg)
{
    volatile int *p = arg;
    struct timespec ts = { 0, 200000000 };
    nanosleep(&ts, NULL);
    *p = 7; /* MARK worker fault */
    return NULL;
}

int main(void)
{
    pthread_t t;
    puts("starting");
    fflush(stdout);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL); /* MARK main join */
    puts("not reached");
    return 0;
}
