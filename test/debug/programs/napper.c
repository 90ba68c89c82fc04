/* napper.c - says "napping", sleeps in nanosleep (the tests place it as
 * forwarded), says "woke": pausing while the partner executes the call, then
 * continuing, must lose neither the reply nor the output. */
#include <stdio.h>
#include <time.h>

int main(void)
{
    puts("napping");
    fflush(stdout);
    struct timespec ts = { 1, 500000000 };
    nanosleep(&ts, NULL); /* MARK nap */
    puts("woke");
    return 0;
}
