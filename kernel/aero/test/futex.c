/* futex.c - the single-thread futex: WAKE finds nobody, WAIT on a changed
 * value fails at once, WAIT with a timeout times out. */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    static int word;
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    long r = syscall(SYS_futex, &word, 0 /* WAIT */, 1, NULL);
    printf("wait on a changed value: %ld %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
    r = syscall(SYS_futex, &word, 0, 0, &ts);
    printf("wait with a timeout: %ld %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
    printf("wake: %ld\n", syscall(SYS_futex, &word, 1 /* WAKE */, 1));
    return 0;
}
