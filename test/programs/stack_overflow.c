/* stack_overflow.c - unbounded recursion: the stack runs into its guard,
 * SIGSEGV, status 139. */
#include <stdio.h>

#pragma GCC diagnostic ignored "-Winfinite-recursion"

__attribute__((noinline)) static unsigned long recurse(volatile unsigned long depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    return recurse(depth + 1) + pad[0]; /* FAULT HERE */
}

int main(void)
{
    printf("recursing\n");
    fflush(stdout);
    return (int)recurse(0);
}
