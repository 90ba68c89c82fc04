/* intn.c - a software interrupt on an unwired vector: SIGSEGV as on Linux. */
#include <stdio.h>

int main(void)
{
    printf("about to int $0x41\n");
    fflush(stdout);
    __asm__ volatile("int $0x41");
    printf("survived int $0x41\n");
    return 0;
}
