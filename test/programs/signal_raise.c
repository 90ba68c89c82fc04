/* signal_raise.c - a handler installed with sigaction runs on raise();
 * a blocked signal stays pending until unblocked; SIG_IGN ignores. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t hits, last_sig;

static void handler(int sig)
{
    hits++;
    last_sig = sig;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        perror("sigaction");
        return 1;
    }
    raise(SIGUSR1);
    printf("after raise: hits=%d sig=%s\n", (int)hits, last_sig == SIGUSR1 ? "SIGUSR1" : "?");

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    printf("while blocked: hits=%d\n", (int)hits);
    sigset_t pend;
    sigpending(&pend);
    printf("pending: %s\n", sigismember(&pend, SIGUSR1) ? "yes" : "no");
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock: hits=%d\n", (int)hits);

    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("SIG_IGN survived\n");

    struct sigaction cur;
    sigaction(SIGUSR1, NULL, &cur);
    printf("sigaction query returns the handler: %s\n", cur.sa_handler == handler ? "yes" : "no");
    return 0;
}
