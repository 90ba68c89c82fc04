/* worker_fault.c - a worker thread stores through NULL while main waits in
 * pthread_join: the debugger must stop in the worker, naming it. */
#include <pthread.h>
#include <stdio.h>

static void *worker(void *arg)
{
    volatile int *p = arg;
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
