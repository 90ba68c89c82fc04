/* big_write.c - one 8 MiB write(2) to stdout from the heap, then one from
 * a large static buffer: large buffers spanning many pages. */
#include <stdlib.h>
#include <unistd.h>

static unsigned char bss[3 << 20];

static int write_all(const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w <= 0)
            return 1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(void)
{
    size_t n = 8u << 20;
    unsigned char *p = malloc(n);
    if (!p)
        return 1;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 2654435761u >> 13);
    for (size_t i = 0; i < sizeof bss; i++)
        bss[i] = (unsigned char)(i >> 7);
    return write_all(p, n) || write_all(bss, sizeof bss);
}
