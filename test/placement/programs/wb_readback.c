/* wb_readback.c - writes a file and reads it back every way a program can
 * observe it (read, pread, lseek, fstat, stat, a private file mmap, a
 * second descriptor, after dup2, ftruncate), and checks the errors a write
 * must give at once (a read-only descriptor, /dev/full, a bad pointer).
 * Usage: wb_readback DIR */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char *what, long r, const char *buf)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d", what, r, e);
    if (buf && r > 0) {
        printf(" [");
        for (long i = 0; i < r; i++)
            putchar(buf[i] >= 32 && buf[i] < 127 ? buf[i] : '.');
        printf("]");
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char path[4096], buf[256];
    snprintf(path, sizeof path, "%s/data", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < 10; i++) {
        int n = snprintf(buf, sizeof buf, "line %d|", i);
        if (write(fd, buf, (size_t)n) != n)
            return 3;
    }
    struct stat st;
    show("fstat", fstat(fd, &st), NULL);
    printf("size after 10 writes: %ld\n", (long)st.st_size);
    show("stat", stat(path, &st), NULL);
    printf("size by name: %ld\n", (long)st.st_size);
    show("pread", pread(fd, buf, 20, 7), buf);
    show("lseek cur", lseek(fd, 0, SEEK_CUR), NULL);
    show("pwrite", pwrite(fd, "XY", 2, 5), NULL);
    show("lseek 0", lseek(fd, 0, SEEK_SET), NULL);
    memset(buf, 0, sizeof buf);
    show("read", read(fd, buf, 30), buf);
    show("write at 30", write(fd, "<mid>", 5), NULL);
    int fd2 = open(path, O_RDONLY);
    memset(buf, 0, sizeof buf);
    show("read by another descriptor", read(fd2, buf, sizeof buf), buf);
    char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return 4;
    printf("mmap sees: [%.40s]\n", m);
    show("write after mmap", write(fd, "{after}", 7), NULL);
    show("dup2 onto the reader", dup2(fd, fd2), NULL);
    show("write through the dup", write(fd2, "(dup)", 5), NULL);
    show("ftruncate", ftruncate(fd, 12), NULL);
    show("write after truncate", write(fd, "+tail", 5), NULL);
    show("pread all", pread(fd, buf, sizeof buf, 0), buf);
    struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
    show("writev", writev(fd, iov, 2), NULL);
    show("fsync", fsync(fd), NULL);
    show("close", close(fd), NULL);
    show("close dup", close(fd2), NULL);
    int ro = open(path, O_RDONLY);
    show("write to a read-only descriptor", write(ro, "no", 2), NULL);
    show("pread it", pread(ro, buf, sizeof buf, 0), buf);
    close(ro);
    int full = open("/dev/full", O_WRONLY);
    show("write to /dev/full", write(full, "x", 1), NULL);
    close(full);
    int wfd = open(path, O_WRONLY | O_APPEND);
    show("write from a bad pointer", write(wfd, (void *)8, 4), NULL);
    show("write 0 bytes", write(wfd, buf, 0), NULL);
    show("write to a closed descriptor", write(77, "x", 1), NULL);
    show("append", write(wfd, "=end\n", 5), NULL);
    close(wfd);
    fd = open(path, O_RDONLY);
    memset(buf, 0, sizeof buf);
    show("final contents", read(fd, buf, sizeof buf), buf);
    return 0;
}
