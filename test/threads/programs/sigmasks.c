/* sigmasks.c - signal masks are per thread, also while threads run at once
 * on different vCPUs: a worker keeps changing its own mask (SIGUSR1 blocked,
 * then SIGUSR1 and SIGUSR2) while main, running concurrently, ROUNDS times
 * reads its own mask and raises SIGUSR1 with kill(getpid()). main never
 * blocks anything and is the only thread that takes SIGUSR1, so every kill
 * must reach main's handler, and main's mask must never show the worker's.
 *
 *   sigmasks [ROUNDS]
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include "common.h"

static atomic_int stop, ready;
static atomic_long worker_changes;
static volatile sig_atomic_t handled_in_main;
static pthread_t main_thread;

static void on_usr1(int sig)
{
    (void)sig;
    if (pthread_equal(pthread_self(), main_thread))
        handled_in_main++;
}

static void *worker(void *arg)
{
    (void)arg;
    sigset_t a, b;
    sigemptyset(&a);
    sigaddset(&a, SIGUSR1);
    sigemptyset(&b);
    sigaddset(&b, SIGUSR1);
    sigaddset(&b, SIGUSR2);
    CHECK(pthread_sigmask(SIG_SETMASK, &a, NULL));
    atomic_store(&ready, 1);
    while (!atomic_load(&stop)) {
        CHECK(pthread_sigmask(SIG_SETMASK, &a, NULL));
        CHECK(pthread_sigmask(SIG_SETMASK, &b, NULL));
        atomic_fetch_add(&worker_changes, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 2000;
    main_thread = pthread_self();
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    CHECK_ERRNO(sigaction(SIGUSR1, &sa, NULL));

    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL));
    while (!atomic_load(&ready) || atomic_load(&worker_changes) < 10)
        ;
    long foreign = 0;
    for (long i = 0; i < rounds; i++) {
        sigset_t now;
        CHECK(pthread_sigmask(SIG_SETMASK, NULL, &now));
        foreign += sigismember(&now, SIGUSR1) || sigismember(&now, SIGUSR2);
        CHECK_ERRNO(kill(getpid(), SIGUSR1));
    }
    atomic_store(&stop, 1);
    CHECK(pthread_join(t, NULL));
    printf("rounds=%ld foreign_masks_seen=%ld handled_in_main=%ld\n", rounds, foreign,
           (long)handled_in_main);
    return 0;
}
