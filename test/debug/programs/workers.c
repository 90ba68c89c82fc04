/* workers.c - threads in the states the debugger names: main joins (a futex
 * wait), a sleeper in nanosleep, a waiter on a condition variable (a futex
 * wait) and two spinners that run until the sleeper wakes and releases
 * everyone (on one vCPU, one of them runs and the other is runnable).
 * "started" is printed once the others exist. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static volatile int released;
static volatile unsigned long spins;

static void *sleeper(void *arg)
{
    struct timespec ts = { 4, 0 };
    nanosleep(&ts, NULL); /* MARK sleeper nap */
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return arg;
}

static void *waiter(void *arg)
{
    int rounds = 0;
    pthread_mutex_lock(&lock);
    while (!released) {
        rounds++;
        pthread_cond_wait(&cond, &lock); /* MARK waiter wait */
    }
    pthread_mutex_unlock(&lock);
    return rounds ? arg : NULL;
}

static void spin_once(void)
{
    spins++; /* MARK spinner body */
}

static void *spinner(void *arg)
{
    while (!released)
        spin_once(); /* MARK spinner call */
    return arg;
}

int main(void)
{
    pthread_t t[4];
    pthread_create(&t[0], NULL, sleeper, NULL);
    pthread_create(&t[1], NULL, waiter, NULL);
    pthread_create(&t[2], NULL, spinner, NULL);
    pthread_create(&t[3], NULL, spinner, NULL);
    puts("started");
    fflush(stdout);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL); /* MARK main join */
    puts("done");
    return 0;
}
