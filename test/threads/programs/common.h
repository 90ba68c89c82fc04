/* common.h - helpers shared by the pthreads corpus: checked pthread calls,
 * an FNV-1a checksum and a deterministic pseudo-random step. */
#ifndef THREADS_COMMON_H
#define THREADS_COMMON_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Abort the run with a message naming the call when rc (a pthread-style
 * error number) is not 0. */
#define CHECK(call)                                                          \
    do {                                                                     \
        int rc_ = (call);                                                    \
        if (rc_ != 0) {                                                      \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,    \
                    strerror(rc_));                                          \
            exit(2);                                                         \
        }                                                                    \
    } while (0)

/* Like CHECK for calls that return -1 and set errno. */
#define CHECK_ERRNO(call)                                                    \
    do {                                                                     \
        if ((call) == -1) {                                                  \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,    \
                    strerror(errno));                                        \
            exit(2);                                                         \
        }                                                                    \
    } while (0)

static inline uint64_t fnv_step(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static inline uint64_t xorshift(uint64_t x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* argv[i] as a positive count, or dflt when absent. */
static inline long arg_count(int argc, char **argv, int i, long dflt)
{
    return argc > i ? strtol(argv[i], NULL, 10) : dflt;
}
#endif
