/* timeofday.c - time(), gettimeofday() and clock_gettime(CLOCK_REALTIME)
 * agree with each other; prints the epoch second on stderr-free stdout
 * line "epoch=..." for the harness to compare with the host clock. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
    struct timespec ts;
    struct timeval tv;
    time_t t0 = time(NULL);
    gettimeofday(&tv, NULL);
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t t1 = time(NULL);
    printf("time <= gettimeofday <= clock_gettime <= time+1: %s\n",
           t0 <= tv.tv_sec && tv.tv_sec <= ts.tv_sec && ts.tv_sec <= t1 + 1 ? "yes" : "no");
    printf("tv_usec in range: %s\n", tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no");
    time_t tp;
    printf("time(&t) stores its result: %s\n", time(&tp) == tp ? "yes" : "no");
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    printf("year >= 2024: %s\n", tm.tm_year + 1900 >= 2024 ? "yes" : "no");
    printf("epoch=%lld\n", (long long)ts.tv_sec);
    return 0;
}
