/* thread_fault.c - a NULL dereference in a thread other than main, while
 * main waits in pthread_join: the whole run ends with SIGSEGV (139). */
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static volatile int *volatile target;

static void *crasher(void *arg)
{
    (void)arg;
    printf("crasher: about to fault\n");
    fflush(stdout);
    *target = 1; /* FAULT HERE */
    return NULL;
}

int main(void)
{
    pthread_t t;
    printf("main: starting the crasher\n");
    fflush(stdout);
    CHECK(pthread_create(&t, NULL, crasher, NULL));
    pthread_join(t, NULL);
    printf("main: not reached\n");
    return 0;
}
