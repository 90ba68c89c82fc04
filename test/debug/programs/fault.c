/* fault.c - a store through a NULL pointer two calls deep: the debugger
 * must stop at the marked line with reason exception, and the run must then
 * end with status 139 as natively. */
#include <stdio.h>

__attribute__((noinline)) static void poke(volatile int *p, int value)
{
    *p = value; /* MARK fault */
}

__attribute__((noinline)) static void outer(volatile int *p)
{
    poke(p, 42);
}

int main(void)
{
    puts("about to fault");
    fflush(stdout);
    outer((volatile int *)0);
    return 0;
}
