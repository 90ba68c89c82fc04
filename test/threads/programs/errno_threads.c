/* errno_threads.c - errno is per thread: each thread makes a call that
 * fails with its own errno (forwarded and native calls), waits for all
 * others to do the same, and checks its errno is still its own. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

enum { N = 6 };
static pthread_barrier_t bar;
static int seen[N][2];

static void fail_call(long kind)
{
    switch (kind) {
    case 0: close(-1); break;                                 /* EBADF */
    case 1: open("/nonexistent/mv-errno", O_RDONLY); break;  /* ENOENT */
    case 2: mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); break; /* EINVAL */
    case 3: rmdir("/"); break;                               /* EBUSY */
    case 4: lseek(0, 0, 99); break;                          /* EINVAL */
    case 5: strtol("99999999999999999999999", NULL, 10); break; /* ERANGE, set by libc */
    }
}

static void *worker(void *arg)
{
    long me = (long)(uintptr_t)arg;
    for (int round = 0; round < 20; round++) {
        errno = 1000 + (int)me;
        fail_call(me);
        int mine = errno;
        pthread_barrier_wait(&bar);
        if (errno != mine) {
            seen[me][1]++;
        }
        seen[me][0] = mine;
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

int main(void)
{
    CHECK(pthread_barrier_init(&bar, NULL, N));
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i));
    for (long i = 0; i < N; i++)
        CHECK(pthread_join(t[i], NULL));
    for (int i = 0; i < N; i++)
        printf("thread %d: errno=%d (%s) changed_by_others=%d\n", i, seen[i][0], strerror(seen[i][0]), seen[i][1]);
    return 0;
}
