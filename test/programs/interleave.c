/* interleave.c - alternates stdout and stderr writes, flushing after each,
 * so that the merged stream has one exact order. Also a buffered tail that
 * is flushed only by exit. */
#include <stdio.h>

int main(void)
{
    for (int i = 0; i < 20; i++) {
        printf("out %d\n", i);
        fflush(stdout);
        fprintf(stderr, "err %d\n", i);
        fflush(stderr);
    }
    printf("partial line without newline, flushed at exit");
    fprintf(stderr, "\nlast err\n");
    return 3;
}
