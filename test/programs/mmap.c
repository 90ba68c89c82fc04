/* mmap.c - anonymous mmap/munmap/mremap/mprotect/madvise: contents survive
 * growing and moving, unmapped ranges are reusable, MAP_FIXED lands where
 * asked. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define CHECK(expr) do { if (!(expr)) { printf("FAILED line %d: %s (errno %d)\n", \
    __LINE__, #expr, errno); return 1; } } while (0)

static uint64_t sum(const unsigned char *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

int main(void)
{
    const size_t pg = 4096;
    unsigned char *a = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    CHECK(((uintptr_t)a & (pg - 1)) == 0);
    int zero = 1;
    for (size_t i = 0; i < 16 * pg; i++)
        zero &= a[i] == 0;
    printf("fresh mapping zeroed: %s\n", zero ? "yes" : "no");
    for (size_t i = 0; i < 16 * pg; i++)
        a[i] = (unsigned char)(i ^ (i >> 8));
    uint64_t before = sum(a, 16 * pg);

    unsigned char *b = mremap(a, 16 * pg, 1024 * pg, MREMAP_MAYMOVE);
    CHECK(b != MAP_FAILED);
    printf("mremap grow keeps data: %s\n", sum(b, 16 * pg) == before ? "yes" : "no");
    b[1024 * pg - 1] = 0x5a;
    printf("grown tail writable: %s\n", b[1024 * pg - 1] == 0x5a ? "yes" : "no");
    int tailzero = 1;
    for (size_t i = 16 * pg; i < 1024 * pg - 1; i++)
        tailzero &= b[i] == 0;
    printf("grown part zeroed: %s\n", tailzero ? "yes" : "no");

    unsigned char *c = mremap(b, 1024 * pg, 8 * pg, 0);
    CHECK(c == b);
    printf("mremap shrink in place keeps data: %s\n", sum(c, 8 * pg) == sum(b, 8 * pg) ? "yes" : "no");
    CHECK(munmap(c, 8 * pg) == 0);

    unsigned char *r = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(r != MAP_FAILED);
    CHECK(munmap(r + 16 * pg, 16 * pg) == 0);
    unsigned char *f = mmap(r + 16 * pg, 16 * pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(f == r + 16 * pg);
    memset(f, 0xab, 16 * pg);
    printf("MAP_FIXED into a hole: yes\n");
    CHECK(mprotect(r, pg, PROT_READ) == 0);
    CHECK(mprotect(r, pg, PROT_READ | PROT_WRITE) == 0);
    r[0] = 1;
    CHECK(madvise(r + 32 * pg, 32 * pg, MADV_DONTNEED) == 0);
    printf("mprotect and madvise: ok\n");
    CHECK(munmap(r, 64 * pg) == 0);

    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(1 + round % 37) * pg;
        unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(p != MAP_FAILED);
        p[0] = p[n - 1] = (unsigned char)round;
        CHECK(munmap(p, n) == 0);
    }
    printf("200 map/unmap rounds: ok\n");
    CHECK(munmap(NULL, pg) == 0 || errno == EINVAL);
    void *bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap length 0: %s\n", bad == MAP_FAILED && errno == EINVAL ? "EINVAL" : "unexpected");
    return 0;
}
