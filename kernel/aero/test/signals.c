/* signals.c - handlers with siginfo, siglongjmp out of a SIGSEGV handler,
 * a stack overflow caught on the alternate stack, kill() to self with a
 * handler, and the FPU state kept across a handler. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int got;
static char altstack[65536];

static void segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got = sig;
    fault_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static void usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    volatile double x = 7.25;
    got = sig * 100 + si->si_code + (int)(x * 0);
}

__attribute__((noinline)) static int deep(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return deep(n + 1) + pad[0];
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    if (!sigsetjmp(jb, 1))
        *(volatile int *)0x10 = 1;
    printf("SIGSEGV handled: sig %d addr %p\n", got, fault_addr);

    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    printf("sigaltstack: %d\n", sigaltstack(&ss, NULL));
    got = 0;
    if (!sigsetjmp(jb, 1))
        deep(0);
    printf("stack overflow handled on the alternate stack: sig %d\n", got);

    sa.sa_sigaction = usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    volatile double d = 1.5;
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 handler: %d, double after it %.2f\n", got, d * 2);

    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    signal(SIGUSR2, SIG_DFL);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    sigpending(&pend);
    printf("SIGUSR2 pending while blocked: %d\n", sigismember(&pend, SIGUSR2));
    fflush(stdout);
    sigprocmask(SIG_UNBLOCK, &set, NULL);   /* default action: dies, status 140 */
    printf("not reached\n");
    return 0;
}
