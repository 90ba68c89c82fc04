/* div_zero.c - integer division by zero: SIGFPE, status 136. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int divide(int a, int b)
{
    return a / b; /* FAULT HERE */
}

int main(int argc, char **argv)
{
    (void)argv;
    int zero = argc - 1; /* 0 when run without arguments */
    printf("about to divide by zero\n");
    fflush(stdout);
    printf("%d\n", divide(7, zero));
    return 0;
}
