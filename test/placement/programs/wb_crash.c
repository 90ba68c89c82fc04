/* wb_crash.c - writes to a file and to stdout with write, then ends
 * without a flush of its own: by SIGSEGV (segv), abort() (abort) or _exit
 * (exit). What a native run wrote must be in the file.
 * Usage: wb_crash segv|abort|exit FILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char buf[64];
    for (int i = 0; i < 400; i++) {     /* 200 to the file, then 200 to stdout */
        int n = snprintf(buf, sizeof buf, "record %d\n", i);
        if (write(i < 200 ? fd : 1, buf, (size_t)n) != n)
            return 3;
    }
    if (!strcmp(argv[1], "segv"))
        *(volatile int *)0 = 1;
    if (!strcmp(argv[1], "abort"))
        abort();
    _exit(7);
}
