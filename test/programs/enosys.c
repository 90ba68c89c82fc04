/* enosys.c - system calls the aerokernel does not provide. Numbers 500 and
 * 1000 are unassigned on x86-64: ENOSYS natively too (335, in the gap,
 * is avoided: some sandboxes trap it). personality(0xffffffff) (a
 * query) succeeds natively; as a hybrid it is not in the table: ENOSYS,
 * reported once by name however often it is called. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    static const long unassigned[] = { 500, 1000, 500 };
    for (int i = 0; i < 3; i++) {
        errno = 0;
        long r = syscall(unassigned[i]);
        printf("syscall(%ld) -> %ld errno %s\n", unassigned[i], r, r < 0 ? strerror(errno) : "-");
    }
    for (int i = 0; i < 3; i++) {
        errno = 0;
        long r = syscall(SYS_personality, 0xffffffffUL);
        printf("personality(query) -> %s\n", r < 0 ? strerror(errno) : "ok");
    }
    printf("still running\n");
    return 0;
}
