/* abort.c - abort(): SIGABRT, status 134; stdio is not flushed by abort. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    printf("flushed before abort\n");
    fflush(stdout);
    printf("buffered, lost at abort\n");
    fprintf(stderr, "stderr line before abort\n");
    abort();
}
