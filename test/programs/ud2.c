/* ud2.c - __builtin_trap() (ud2): SIGILL, status 132. */
#include <stdio.h>

__attribute__((noinline)) void trap_here(void)
{
    __builtin_trap(); /* FAULT HERE */
}

int main(void)
{
    printf("about to execute ud2\n");
    fflush(stdout);
    trap_here();
    return 0;
}
