/* itimer.c - the real-time interval timer (setitimer, getitimer, alarm)
 * and SIGALRM, for signals.test.mjs:
 *
 *   itimer handled   one-shot 200 ms timer, pause() until its handler ran;
 *                    five periodic 50 ms ticks counted by a handler while
 *                    computing; getitimer and alarm's remaining seconds
 *   itimer default   a 100 ms timer, then computing: SIGALRM's default
 *                    action ends the program (status 142)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

static void arm(long value_ms, long interval_ms)
{
    struct itimerval it = {
        .it_interval = { interval_ms / 1000, interval_ms % 1000 * 1000 },
        .it_value = { value_ms / 1000, value_ms % 1000 * 1000 },
    };
    if (setitimer(ITIMER_REAL, &it, NULL) != 0)
        perror("setitimer");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: itimer handled|default\n");
        return 2;
    }
    if (!strcmp(argv[1], "default")) {
        printf("armed\n");
        fflush(stdout);
        arm(100, 0);
        volatile unsigned long x = 0;
        for (;;)
            x++;
    }
    struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);

    arm(200, 0);
    int r = pause();
    printf("one-shot: pause returned %d, handler ran %d time(s)\n", r, (int)ticks);

    ticks = 0;
    arm(50, 50);
    volatile unsigned long x = 0;
    while (ticks < 5)
        x++;
    arm(0, 0);
    printf("periodic: %d ticks while computing, then disarmed\n", (int)ticks);

    arm(10000, 2500);
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    printf("getitimer: interval %ld.%06ld s, value in (9, 10] s: %s\n", (long)cur.it_interval.tv_sec,
           (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec * 1000000L + cur.it_value.tv_usec > 9000000L &&
                   cur.it_value.tv_sec * 1000000L + cur.it_value.tv_usec <= 10000000L
               ? "yes"
               : "no");
    arm(0, 0);
    getitimer(ITIMER_REAL, &cur);
    printf("disarmed: value %ld.%06ld s\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);

    printf("alarm(5) = %u, ", alarm(5));
    printf("alarm(0) = %u\n", alarm(0));
    printf("after disarming: %u\n", alarm(0));
    return 0;
}
