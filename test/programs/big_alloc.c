/* big_alloc.c - allocates 512 MiB, touches every page, checksums it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const size_t n = 512ull << 20;
    unsigned char *p = malloc(n);
    if (!p) {
        printf("malloc(512 MiB) failed\n");
        return 1;
    }
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    p[n - 1] = 0x77;
    uint64_t s = 0;
    for (size_t i = 0; i < n; i += 4096)
        s += p[i];
    printf("touched %zu pages, sum %llu, last %#x\n", n / 4096, (unsigned long long)s, p[n - 1]);
    free(p);
    return 0;
}
