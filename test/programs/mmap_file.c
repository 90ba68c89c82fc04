/* mmap_file.c - a private read-only mapping of a file (argv[1]) sees the
 * file's bytes, at an offset too; a private writable mapping can be
 * changed without changing the file. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[1]);
        return 1;
    }
    const unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    unsigned long sum = 0;
    for (off_t i = 0; i < st.st_size; i++)
        sum = sum * 33 + p[i];
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    printf("size %lld, sum %lx, first page matches pread: %s\n", (long long)st.st_size, sum,
           n > 0 && memcmp(buf, p, (size_t)n) == 0 ? "yes" : "no");

    if (st.st_size > 8192) {
        const unsigned char *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
        printf("offset mapping matches: %s\n", q != MAP_FAILED && memcmp(q, p + 4096, 4096) == 0 ? "yes" : "no");
    }
    unsigned char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (w == MAP_FAILED) {
        perror("mmap private writable");
        return 1;
    }
    unsigned char old = w[0];
    w[0] = (unsigned char)(old + 1);
    n = pread(fd, buf, 1, 0);
    printf("private write stays private: %s\n", n == 1 && (unsigned char)buf[0] == old ? "yes" : "no");
    close(fd);
    printf("mapping outlives close: %s\n", p[0] == old ? "yes" : "no");
    return 0;
}
