/* hello.c - the smallest program: one line on stdout, status 0. */
#include <stdio.h>

int main(void)
{
    printf("hello from multiverse\n");
    return 0;
}
