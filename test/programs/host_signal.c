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
 * With the default action the program dies of the signal; FILE then holds
 * what a native run wrote: all 1000 records. */
#include <errno.h>
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

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: host_signal spin|read|sleep|handler|ignore FILE\n");
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
    }
    printf("ready\n");
    fflush(stdout);

    if (!strcmp(mode, "spin")) {
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
