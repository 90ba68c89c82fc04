/* thread_files.c - DIR [THREADS] [WRITES]: each thread (default 16) makes
 * WRITES (default 10000) small write calls to its own file in DIR, then
 * reads it back and verifies every byte; main prints one line per file. */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include "common.h"

static const char *dir;
static long writes;
static char verdict[64][160];

static int record(long me, long i, char *buf, size_t cap)
{
    return snprintf(buf, cap, "t%02ld %06ld %08lx\n", me, i, (unsigned long)(xorshift((uint64_t)(me * 1000003 + i + 1)) & 0xffffffff));
}

static void *worker(void *arg)
{
    long me = (long)(uintptr_t)arg;
    char path[4096], buf[64];
    snprintf(path, sizeof path, "%s/thread-%02ld.txt", dir, me);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    CHECK_ERRNO(fd);
    uint64_t h = FNV_INIT;
    long bytes = 0;
    for (long i = 0; i < writes; i++) {
        int n = record(me, i, buf, sizeof buf);
        for (int k = 0; k < n; k++)
            h = fnv_step(h, (unsigned char)buf[k]);
        if (write(fd, buf, (size_t)n) != n) {
            perror("write");
            exit(2);
        }
        bytes += n;
    }
    CHECK_ERRNO(close(fd));
    fd = open(path, O_RDONLY);
    CHECK_ERRNO(fd);
    long got = 0, bad = 0, i = 0;
    char line[64];
    FILE *f = fdopen(fd, "r");
    while (fgets(line, sizeof line, f)) {
        int n = record(me, i++, buf, sizeof buf);
        got += (long)strlen(line);
        bad += strncmp(line, buf, (size_t)n) != 0;
    }
    fclose(f);
    snprintf(verdict[me], sizeof verdict[me], "%s: %ld lines, %ld bytes written, %ld read, %ld wrong, fnv=%016llx",
             path + strlen(dir) + 1, i, bytes, got, bad, (unsigned long long)h);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: thread_files DIR [THREADS] [WRITES]\n");
        return 2;
    }
    dir = argv[1];
    long n = arg_count(argc, argv, 2, 16);
    writes = arg_count(argc, argv, 3, 10000);
    if (n < 1 || n > 64)
        return 2;
    pthread_t t[64];
    for (long i = 0; i < n; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i));
    for (long i = 0; i < n; i++)
        CHECK(pthread_join(t[i], NULL));
    for (long i = 0; i < n; i++)
        puts(verdict[i]);
    return 0;
}
