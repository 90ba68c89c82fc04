/* wb_block.c - writes a line to FILE, then blocks for about 3 s without
 * any forwarded call: in a sleep (sleep) or in a join (a futex wait) on a
 * thread that spins on the vDSO clock (join). The line must be in the file
 * while the program is still blocked. Usage: wb_block sleep|join FILE */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
    (void)arg;
    double end = now() + 3;
    while (now() < end)
        ;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pthread_t t;
    if (!strcmp(argv[1], "join"))
        pthread_create(&t, NULL, spin, NULL);   /* before the write: clone is native */
    if (write(fd, "written before blocking\n", 24) != 24)
        return 3;
    if (!strcmp(argv[1], "join")) {
        pthread_join(t, NULL);
    } else {
        struct timespec d = { 3, 0 };
        nanosleep(&d, NULL);
    }
    return 0;
}
