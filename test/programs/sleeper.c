/* sleeper.c - says "ready", then blocks reading stdin (a forwarded call that
 * waits) until end of file; used to check that signals sent to the CLI end
 * the run cleanly. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("ready\n");
    fflush(stdout);
    char buf[256];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        ;
    printf("eof\n");
    return n < 0 ? 1 : 0;
}
