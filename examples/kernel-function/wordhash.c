/* wordhash.c - the functions the example hashes words with. */
#include "wordhash.h"

unsigned long hash_string(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

unsigned long hash_twice(const char *s)
{
    return hash_string(s) * 31 + hash_string(s);
}

int atoi_simple(const char *s)
{
    int n = 0;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (*s++ - '0');
    return n;
}
