/* wb_stress.c - 4 threads append 3000 numbered lines each to FILE (one
 * O_APPEND descriptor) at once, with an fstat every 50 lines (a forwarded
 * call, so flushes run while other threads keep writing). Every line must
 * arrive once, each thread's in its order. Usage: wb_stress FILE */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static int fd;

static void *worker(void *arg)
{
    long me = (long)arg;
    char b[64];
    struct stat st;
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(b, sizeof b, "t%ld line %d\n", me, i);
        if (write(fd, b, (size_t)n) != n)
            return (void *)1;
        if (i % 50 == 0)
            fstat(fd, &st);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    return bad;
}
