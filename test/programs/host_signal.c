/* host_signal.c - what a signal sent from outside (kill to the process,
 * Ctrl-C at its terminal) does to a program, for signals.test.mjs:
 *
 *   host_signal MODE FILE
 *
 * Every mode first appends "line N" records 1..1000 to FILE (a regular file:
 * with write placed native they stay in the kernel's write-behind buffer),
 * prints "ready" on stdout, then:
 *   spin      computes forever without a system call
 *   read      blocks in read(0) on a stdin that stays open
 *   sleep     sleeps for 100 s
 *   handler   installs a SIGTERM and SIGINT handler that prints the signal's
 *             name, then blocks in read(0); after the handler read returns
 *             (SA_RESTART not set: -1/EINTR) and it exits 3
 *   ignore    ignores SIGINT, then reads stdin to its end and exits 4
 *   sigwait   blocks SIGINT and SIGTERM, starts a thread that waits on a
 *             condition variable forever, then sigwait()s: prints the signal
 *             taken and exits 7
 *   pause     with the handler installed, pause()s: prints what it
 *             returned and exits 8
 *   suspend   blocks SIGINT and SIGTERM, installs the handler, then
 *             sigsuspend()s with nothing blocked: prints what it returned and
 *             whether the old mask is back, exits 9
 *   internal  no signal from outside: sigtimedwait on a quiet set times out;
 *             a thread's kill(getpid(), SIGUSR1) reaches main's sigwait;
 *             exits 10
 * With the default action the program dies of the signal; FILE then holds
 * what a native run wrote: all 1000 records. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_signal(int sig)
{
    const char *m = sig == SIGTERM ? "handler: SIGTERM\n" : sig == SIGINT ? "handler: SIGINT\n" : "handler: other\n";
    write(1, m, strlen(m));
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *wait_forever(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;)
        pthread_cond_wait(&never, &lock);
    return NULL;
}

static void *send_usr1(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    kill(getpid(), SIGUSR1);
    return NULL;
}

static int internal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct timespec ts = { 0, 100000000 };
    sigset_t quiet;
    sigemptyset(&quiet);
    sigaddset(&quiet, SIGUSR2);
    int r = sigtimedwait(&quiet, NULL, &ts);
    printf("sigtimedwait on a quiet set: %d (%s)\n", r, r < 0 ? strerror(errno) : "signal");
    pthread_t t;
    pthread_create(&t, NULL, send_usr1, NULL);
    siginfo_t info;
    r = sigwaitinfo(&set, &info);
    printf("sigwaitinfo: %s, si_code %s, from this process: %s\n", r == SIGUSR1 ? "SIGUSR1" : "other",
           info.si_code == SI_USER ? "SI_USER" : "other", info.si_pid == getpid() ? "yes" : "no");
    pthread_join(t, NULL);
    return 10;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "internal"))
        return internal();
    if (argc != 3) {
        fprintf(stderr, "usage: host_signal MODE FILE (see the top of host_signal.c)\n");
        return 2;
    }
    const char *mode = argv[1];
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    setvbuf(f, NULL, _IONBF, 0); /* one write(2) per record */
    for (int i = 1; i <= 1000; i++)
        fprintf(f, "line %d\n", i);

    if (!strcmp(mode, "handler")) {
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
    } else if (!strcmp(mode, "ignore")) {
        signal(SIGINT, SIG_IGN);
    } else if (!strcmp(mode, "sigwait") || !strcmp(mode, "suspend") || !strcmp(mode, "pause")) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        if (strcmp(mode, "pause"))
            pthread_sigmask(SIG_BLOCK, &set, NULL);
        if (strcmp(mode, "sigwait")) {
            struct sigaction sa = { .sa_handler = on_signal };
            sigemptyset(&sa.sa_mask);
            sigaction(SIGTERM, &sa, NULL);
            sigaction(SIGINT, &sa, NULL);
        } else {
            pthread_t t;
            pthread_create(&t, NULL, wait_forever, NULL);
        }
    }
    printf("ready\n");
    fflush(stdout);

    if (!strcmp(mode, "sigwait")) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        int sig = 0;
        int r = sigwait(&set, &sig);
        printf("sigwait: %d, %s\n", r, sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "other");
        return 7;
    } else if (!strcmp(mode, "pause")) {
        int r = pause();
        printf("pause: %d (%s)\n", r, strerror(errno));
        return 8;
    } else if (!strcmp(mode, "suspend")) {
        sigset_t none, now;
        sigemptyset(&none);
        int r = sigsuspend(&none);
        int e = errno;
        pthread_sigmask(SIG_BLOCK, NULL, &now);
        printf("sigsuspend: %d (%s), mask restored: %s\n", r, strerror(e),
               sigismember(&now, SIGINT) && sigismember(&now, SIGTERM) ? "yes" : "no");
        return 9;
    } else if (!strcmp(mode, "spin")) {
        volatile unsigned long x = 0;
        for (;;)
            x++;
    } else if (!strcmp(mode, "sleep")) {
        struct timespec ts = { 100, 0 };
        nanosleep(&ts, NULL);
        return 5;
    } else if (!strcmp(mode, "handler")) {
        char c;
        ssize_t n = read(0, &c, 1);
        printf("read returned %zd (%s)\n", n, n < 0 ? strerror(errno) : "data");
        return 3;
    } else if (!strcmp(mode, "ignore")) {
        char buf[64];
        while (read(0, buf, sizeof buf) > 0)
            ;
        printf("stdin ended\n");
        return 4;
    } else {
        char c;
        read(0, &c, 1);
        return 6;
    }
}
