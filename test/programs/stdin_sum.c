/* stdin_sum.c - reads stdin to its end in odd-sized chunks and prints the
 * byte count and an FNV-1a 64 checksum. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    static unsigned char buf[12345];
    uint64_t h = 0xcbf29ce484222325ull, total = 0;
    unsigned reads = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        reads++;
        for (ssize_t i = 0; i < n; i++) {
            h ^= buf[i];
            h *= 0x100000001b3ull;
        }
        total += (uint64_t)n;
    }
    printf("bytes=%llu fnv1a=%016llx\n", (unsigned long long)total, (unsigned long long)h);
    return reads > 0 ? 0 : 1;
}
