/* hlt.c - a privileged instruction (hlt) in program code: SIGSEGV (139) in
 * user mode on Linux, and the same as a hybrid although it runs in ring 0. */
#include <stdio.h>

__attribute__((noinline)) void halt_here(void)
{
    __asm__ volatile("hlt"); /* FAULT HERE */
}

int main(void)
{
    printf("about to execute hlt\n");
    fflush(stdout);
    halt_here();
    printf("survived?!\n");
    return 0;
}
