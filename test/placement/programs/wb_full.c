/* wb_full.c - writes 32 KiB in 1 KiB pieces to FILE on a 16 KiB file
 * system, then fsync, one more write and close, printing each result.
 * Natively the 17th write fails with ENOSPC; with write-behind every write
 * succeeds and the error comes with the flush, at fsync (docs/placement.md).
 * Usage: wb_full FILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char b[1024];
    memset(b, 'x', sizeof b);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = 0, e = 0;
    for (int i = 0; i < 32; i++) {
        if (write(fd, b, sizeof b) == (ssize_t)sizeof b) {
            ok++;
        } else {
            e = errno;
            break;
        }
    }
    printf("writes ok %d, first error %d\n", ok, e);
    int r = fsync(fd);
    printf("fsync %d errno %d\n", r, r ? errno : 0);
    r = fsync(fd);
    printf("fsync again %d errno %d\n", r, r ? errno : 0);
    return 0;
}
