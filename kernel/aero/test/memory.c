/* memory.c - private file mappings, refused writable shared ones, memory
 * handed out again reads as zero, MADV_DONTNEED, mremap, MAP_FIXED(_NOREPLACE). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    (void)argc;
    int fd = open(argv[0], O_RDONLY);
    char *m = mmap(NULL, 100, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("private file mapping: %s\n", m != MAP_FAILED && !memcmp(m, "\177ELF", 4) ? "ELF" : "failed");
    off_t big = lseek(fd, 0, SEEK_END);
    char *tail = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, (big - 1) & ~4095);
    printf("the last page reads zero past the end of file: %s\n",
           tail != MAP_FAILED && (big % 4096 == 0 || tail[4095] == 0) ? "yes" : "no");
    void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("writable shared mapping of a read-only fd: %s\n", w == MAP_FAILED ? "refused" : "mapped");
    size_t len = 1 << 20;
    char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 0x55, len);
    munmap(a, len);
    char *b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long nz = 0;
    for (size_t i = 0; i < len; i++)
        nz += b[i] != 0;
    printf("memory handed out again is zero: %s\n", nz ? "NO" : "yes");
    b[0] = 1;
    madvise(b, 4096, MADV_DONTNEED);
    printf("MADV_DONTNEED zeroes: %s\n", b[0] ? "NO" : "yes");
    memset(b, 7, len);
    char *c = mremap(b, len, 4 * len, MREMAP_MAYMOVE);
    printf("mremap grow keeps contents: %s\n", c != MAP_FAILED && c[len - 1] == 7 && c[4 * len - 1] == 0 ? "yes" : "no");
    char *f = mmap(c, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED replaces with zeros: %s\n", f == c && c[0] == 0 && c[4096] == 7 ? "yes" : "no");
    void *n = mmap(c, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE on a used page: %s\n", n == MAP_FAILED && errno == EEXIST ? "EEXIST" : "mapped");
    printf("mprotect: %d\n", mprotect(c, 4096, PROT_READ));
    return 0;
}
