/* spin.c - says "spinning", then computes forever without a system call:
 * only a signal to the launcher can end it. */
#include <stdio.h>

int main(void)
{
    printf("spinning\n");
    fflush(stdout);
    volatile unsigned long x = 0;
    for (;;)
        x++;
}
