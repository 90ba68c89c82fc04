/* kernel-function example: counts words of its input and hashes them. The
 * manifest moves hash_string (wordhash.c) into kernel mode; this file is
 * never edited for that. */
#include <stdio.h>
#include <string.h>
#include "wordhash.h"

int main(int argc, char **argv)
{
    const char *words[] = { "multiverse", "aerokernel", "partner", "hybrid", "ring0" };
    unsigned long total = 0;
    int rounds = argc > 1 ? atoi_simple(argv[1]) : 1000;
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            total ^= hash_string(words[i]) + (unsigned long)r;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        printf("%-12s %lu\n", words[i], hash_string(words[i]));
    printf("rounds %d total %lu\n", rounds, total);
    printf("same-file caller: %lu\n", hash_twice("hybrid"));
    return 0;
}
