/* getpid.c - getpid() agrees with what Linux thinks the process is
 * (/proc/self, resolved by the host) and stays the same; prints getppid()
 * for the harness to compare with the process that started it. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    pid_t p = getpid();
    char link[64];
    ssize_t n = readlink("/proc/self", link, sizeof link - 1);
    if (n <= 0) {
        perror("readlink /proc/self");
        return 1;
    }
    link[n] = '\0';
    printf("getpid == /proc/self: %s\n", atoi(link) == p ? "yes" : "no");
    printf("getpid stable: %s\n", getpid() == p ? "yes" : "no");
    printf("pid > 1: %s\n", p > 1 ? "yes" : "no");
    printf("ppid=%d\n", (int)getppid());
    return 0;
}
