/* hlt.c - a privileged instruction in program code: SIGSEGV as on Linux. */
#include <stdio.h>

int main(void)
{
    printf("about to hlt\n");
    fflush(stdout);
    __asm__ volatile("hlt");
    printf("survived hlt\n");
    return 0;
}
