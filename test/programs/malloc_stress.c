/* malloc_stress.c - 100k malloc/realloc/free operations of mixed sizes
 * driven by a fixed LCG; every block is filled and verified; prints a
 * checksum that depends only on the data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 2048
#define OPS 100000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

static size_t pick_size(void)
{
    uint32_t r = next() % 100;
    if (r < 60)
        return 1 + next() % 64;
    if (r < 90)
        return 64 + next() % 4096;
    if (r < 99)
        return 4096 + next() % 65536;
    return 65536 + next() % (1 << 20);
}

int main(void)
{
    static unsigned char *ptr[SLOTS];
    static size_t len[SLOTS];
    static unsigned char tag[SLOTS];
    uint64_t sum = 0;
    unsigned long mallocs = 0, reallocs = 0, frees = 0;
    for (int op = 0; op < OPS; op++) {
        unsigned i = next() % SLOTS;
        if (ptr[i]) {
            for (size_t k = 0; k < len[i]; k += 1 + len[i] / 16)
                if (ptr[i][k] != (unsigned char)(tag[i] + k)) {
                    printf("corruption in slot %u at %zu (op %d)\n", i, k, op);
                    return 1;
                }
            sum += ptr[i][len[i] - 1];
            if (next() % 4 == 0) {
                size_t n = pick_size();
                unsigned char *p = realloc(ptr[i], n);
                if (!p) {
                    printf("realloc(%zu) failed\n", n);
                    return 1;
                }
                size_t keep = n < len[i] ? n : len[i];
                for (size_t k = 0; k < keep; k += 1 + keep / 16)
                    if (p[k] != (unsigned char)(tag[i] + k)) {
                        printf("realloc lost data in slot %u\n", i);
                        return 1;
                    }
                for (size_t k = 0; k < n; k++)
                    p[k] = (unsigned char)(tag[i] + k);
                ptr[i] = p;
                len[i] = n;
                reallocs++;
            } else {
                free(ptr[i]);
                ptr[i] = NULL;
                frees++;
            }
        } else {
            size_t n = pick_size();
            ptr[i] = malloc(n);
            if (!ptr[i]) {
                printf("malloc(%zu) failed\n", n);
                return 1;
            }
            tag[i] = (unsigned char)next();
            len[i] = n;
            for (size_t k = 0; k < n; k++)
                ptr[i][k] = (unsigned char)(tag[i] + k);
            mallocs++;
        }
    }
    for (int i = 0; i < SLOTS; i++)
        free(ptr[i]);
    printf("ops=%d malloc=%lu realloc=%lu free=%lu checksum=%016llx\n", OPS, mallocs, reallocs,
           frees, (unsigned long long)sum);
    return 0;
}
