/* main.c - the pthreads example: `pthreads [THREADS [LIMIT]]` counts primes
 * with worker threads (0: in the main thread alone), prints the totals, then
 * asks for a name on stdin and greets it ("hello, NAME"; "hello, nobody" at end
 * of input).
 * `pthreads crash` dereferences NULL instead, to show how a fault is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers.h"

static int crash(void)
{
    volatile int *nowhere = NULL;
    return *nowhere;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "crash") == 0)
        return crash();

    int nthreads = argc > 1 ? atoi(argv[1]) : 4;
    unsigned long limit = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    if (nthreads < 0 || nthreads > WORKERS_MAX) {
        fprintf(stderr, "pthreads: THREADS must be 0..%d\n", WORKERS_MAX);
        return 2;
    }

    struct totals t;
    if (workers_run(nthreads, limit, &t) != 0) {
        perror("pthreads: pthread_create");
        return 1;
    }
    printf("total: %lu primes below %lu, sum %llu\n", t.primes, limit, t.sum);

    printf("name? ");
    fflush(stdout);
    char line[256];
    if (fgets(line, sizeof line, stdin) == NULL) {
        printf("\nhello, nobody\n");
        return 0;
    }
    line[strcspn(line, "\r\n")] = '\0';
    printf("hello, %s\n", line[0] ? line : "nobody");
    return 0;
}
