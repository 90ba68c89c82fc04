/* clock.c - CLOCK_MONOTONIC never goes back and advances across a sleep;
 * CLOCK_REALTIME agrees with the host: the mtime of a file written just now
 * (the host file system stamps it) lies within a second of it. argv[1] is
 * a writable directory. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000ll + t->tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    struct timespec a, b;
    int backwards = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 100000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        backwards += ns(&b) < ns(&a);
        a = b;
    }
    printf("monotonic: %s\n", backwards ? "WENT BACKWARDS" : "never went backwards");

    struct timespec s0, s1, req = { 0, 50 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &s0);
    nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &s1);
    long long slept = ns(&s1) - ns(&s0);
    printf("nanosleep 50 ms measured >= 50 ms and < 2 s: %s\n",
           slept >= 50000000ll && slept < 2000000000ll ? "yes" : "no");

    struct timespec res;
    printf("clock_getres(MONOTONIC) ok and <= 1 ms: %s\n",
           clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec <= 1000000
               ? "yes" : "no");

    char path[4096];
    snprintf(path, sizeof path, "%s/stamp", argv[1]);
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0) {
        perror(path);
        return 1;
    }
    clock_gettime(CLOCK_REALTIME, &after);
    struct stat st;
    if (stat(path, &st) != 0) {
        perror("stat");
        return 1;
    }
    long long m = ns(&st.st_mtim);
    long long d0 = m - ns(&before), d1 = ns(&after) - m;
    /* The file system's timestamp granularity is a jiffy: allow 1 s each way. */
    printf("realtime agrees with a new file's mtime within 1 s: %s\n",
           d0 > -1000000000ll && d1 > -1000000000ll && ns(&after) - ns(&before) < 1000000000ll
               ? "yes" : "no");
    if (!(d0 > -1000000000ll && d1 > -1000000000ll))
        fprintf(stderr, "mtime-before %lld ns, after-mtime %lld ns\n", d0, d1);
    return 0;
}
