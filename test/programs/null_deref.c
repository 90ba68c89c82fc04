/* null_deref.c - stores through a NULL pointer: SIGSEGV, status 139. */
#include <stdio.h>

__attribute__((noinline)) void poke_null(volatile int *p)
{
    *p = 42; /* FAULT HERE */
}

int main(void)
{
    printf("about to dereference NULL\n");
    fflush(stdout);
    poke_null((volatile int *)0);
    printf("survived?!\n");
    return 0;
}
