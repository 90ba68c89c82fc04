/*
 * hash_string in kernel mode: replaces wordhash.c's definition when the
 * manifest lists "function:hash_string" (bin/mvcc makes the original weak and
 * links this file). Same result as the original; in addition, as a hybrid,
 * it logs its first call and the time since it to the kernel log through the
 * aerokernel API (mv_kapi.h) - no system call. Natively, mv_kapi() is NULL.
 */
#include <stdio.h>
#include "mv_kapi.h"

static int64_t first_ns;
static unsigned long calls;

unsigned long hash_string(const char *s)
{
    const struct mv_kapi *k = mv_kapi();
    if (k && calls++ == 0) {
        first_ns = k->now_ns();
        k->log("hash_string: kernel-mode implementation, first call");
    }
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

/* Runs at exit (a destructor, also in ring 0): how long hashing went on.
 * Ordinary libc (snprintf) works here as anywhere in the program. */
__attribute__((destructor)) static void report(void)
{
    const struct mv_kapi *k = mv_kapi();
    if (!k || calls == 0)
        return;
    char msg[96];
    snprintf(msg, sizeof msg, "hash_string: %lu calls, %lld us since the first",
             calls, (long long)((k->now_ns() - first_ns) / 1000));
    k->log(msg);
}
