/* tls.c - thread-local storage through FS (__thread, errno), initialised
 * and zeroed TLS, and the thread pointer's self-reference. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static __thread int counter = 41;
static __thread char zeroed[256];
static __thread const char *label = "tls-initialised";

int main(void)
{
    counter++;
    int z = 0;
    for (int i = 0; i < 256; i++)
        z |= zeroed[i];
    printf("counter %d, zeroed %s, label %s\n", counter, z ? "no" : "yes", label);
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    printf("fs:0 points to itself: %s\n", tp == (uintptr_t)__builtin_thread_pointer() ? "yes" : "no");
    printf("&counter within 64 KiB below tp: %s\n",
           (uintptr_t)&counter < tp && tp - (uintptr_t)&counter < 65536 ? "yes" : "no");
    errno = 0;
    close(-1);
    printf("errno after close(-1): %d (EBADF %d)\n", errno, EBADF);
    return 0;
}
