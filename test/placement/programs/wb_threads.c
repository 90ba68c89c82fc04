/* wb_threads.c - THREADS threads take turns (a mutex and a condition
 * variable make the order the same on every run) writing to stdout,
 * stderr, a file (write, writev, printf-style stdio) and a second file with
 * pwrite64 at computed offsets. Run with stdout and stderr on the same
 * file: its bytes show the interleaving order.
 * Usage: wb_threads DIR [ROUNDS]   (writes DIR/log and DIR/table) */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define THREADS 4

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds, logfd, tablefd;
static FILE *logf_;

static void put(int fd, const char *s)
{
    size_t n = strlen(s);
    if (write(fd, s, n) != (ssize_t)n)
        abort();
}

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    char buf[128];
    for (int r = 0; r < rounds; r++) {
        pthread_mutex_lock(&mu);
        while (turn % THREADS != me)
            pthread_cond_wait(&cv, &mu);
        snprintf(buf, sizeof buf, "out t%d r%d\n", me, r);
        put(1, buf);
        snprintf(buf, sizeof buf, "err t%d r%d\n", me, r);
        put(2, buf);
        snprintf(buf, sizeof buf, "log t%d r%d: ", me, r);
        struct iovec iov[3] = { { buf, strlen(buf) }, { "via ", 4 }, { "writev\n", 7 } };
        if (writev(logfd, iov, 3) != (ssize_t)(strlen(buf) + 11))
            abort();
        fprintf(logf_, "stdio t%d r%d\n", me, r);
        fflush(logf_);
        snprintf(buf, sizeof buf, "%04d:%d\n", turn, me);   /* 7 bytes */
        if (pwrite(tablefd, buf, 7, (off_t)turn * 7) != 7)
            abort();
        turn++;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    rounds = argc > 2 ? atoi(argv[2]) : 40;
    char path[4096];
    snprintf(path, sizeof path, "%s/log", argv[1]);
    logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    logf_ = fdopen(dup(logfd), "a");
    snprintf(path, sizeof path, "%s/table", argv[1]);
    tablefd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (logfd < 0 || !logf_ || tablefd < 0)
        return 3;
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    printf("done: %d turns\n", turn);
    return 0;
}
