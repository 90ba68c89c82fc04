/* prodcons.c - [ITEMS]: a producer computes blocks while a consumer writes
 * the previous ones to stdout (forwarded writes), through a two-block
 * queue, so forwarding and computing overlap. The output is the blocks
 * followed by a checksum line. */
#include <pthread.h>
#include <unistd.h>
#include "common.h"

enum { QLEN = 2, BLOCK = 512 };
static char blocks[QLEN][BLOCK];
static int lens[QLEN];
static int head, count, finished;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long items;

static void *producer(void *arg)
{
    (void)arg;
    uint64_t x = 42;
    for (long i = 0; i < items; i++) {
        for (int k = 0; k < 20000; k++)
            x = xorshift(x);
        pthread_mutex_lock(&mu);
        while (count == QLEN)
            pthread_cond_wait(&cv, &mu);
        int slot = (head + count) % QLEN;
        pthread_mutex_unlock(&mu);
        lens[slot] = snprintf(blocks[slot], BLOCK, "item %ld %016llx\n", i, (unsigned long long)x);
        pthread_mutex_lock(&mu);
        count++;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    finished = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static uint64_t written_hash = FNV_INIT;

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (count == 0 && !finished)
            pthread_cond_wait(&cv, &mu);
        if (count == 0) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        int slot = head;
        pthread_mutex_unlock(&mu);
        if (write(1, blocks[slot], (size_t)lens[slot]) != lens[slot])
            exit(2);
        for (int k = 0; k < lens[slot]; k++)
            written_hash = fnv_step(written_hash, (unsigned char)blocks[slot][k]);
        pthread_mutex_lock(&mu);
        head = (head + 1) % QLEN;
        count--;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
}

int main(int argc, char **argv)
{
    items = arg_count(argc, argv, 1, 2000);
    pthread_t p, c;
    CHECK(pthread_create(&c, NULL, consumer, NULL));
    CHECK(pthread_create(&p, NULL, producer, NULL));
    CHECK(pthread_join(p, NULL));
    CHECK(pthread_join(c, NULL));
    printf("items=%ld fnv=%016llx\n", items, (unsigned long long)written_hash);
    return 0;
}
