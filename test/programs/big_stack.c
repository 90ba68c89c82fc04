/* big_stack.c - legitimate deep stack use: 6 MiB of a recursion's frames
 * (the default stack is 8 MiB natively and as a hybrid). */
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) static unsigned long deep(int n)
{
    volatile unsigned char frame[4096];
    memset((void *)frame, n & 0xff, sizeof frame);
    if (n == 0)
        return frame[0];
    return deep(n - 1) + frame[4095];
}

int main(void)
{
    printf("sum %lu\n", deep(1500)); /* about 6 MiB */
    return 0;
}
