/* exitcode.c - exits with the status given as argv[1] (0..255); with a
 * second argument "main" it returns from main instead of calling exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: exitcode STATUS [main]\n");
        return 2;
    }
    int status = atoi(argv[1]);
    printf("exiting with %d\n", status);
    if (argc > 2 && strcmp(argv[2], "main") == 0)
        return status;
    exit(status);
}
