/* fds.c - the launcher's private descriptors, kept at high numbers. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "launch.h"

#define MAX_PRIVATE 32

/* Written under lock; read without it by partners (entries are stored
 * before the count is published). */
static int priv[MAX_PRIVATE];
static unsigned npriv;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The first number we use: high enough that the program's own open() calls
 * return the numbers they would natively, below the descriptor limit. */
static int private_base(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 1000;
    if (rl.rlim_cur >= 1024 + MAX_PRIVATE)
        return 1000;
    return rl.rlim_cur > 2 * MAX_PRIVATE ? (int)rl.rlim_cur - MAX_PRIVATE : 3;
}

int mv_fd_private(int fd)
{
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, private_base());
    if (hi < 0)
        mv_fail("cannot move a descriptor out of the program's way: %s", strerror(errno));
    close(fd);
    pthread_mutex_lock(&lock);
    if (npriv == MAX_PRIVATE) {
        pthread_mutex_unlock(&lock);
        mv_fail("internal error: too many private descriptors");
    }
    priv[npriv] = hi;
    __atomic_store_n(&npriv, npriv + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lock);
    return hi;
}

void mv_fd_close(int fd)
{
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < npriv; i++) {
        if (priv[i] == fd) {
            priv[i] = priv[npriv - 1];
            __atomic_store_n(&npriv, npriv - 1, __ATOMIC_RELEASE);
            close(fd);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

bool mv_fd_is_private(long fd)
{
    unsigned n = __atomic_load_n(&npriv, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (priv[i] == fd)
            return true;
    return false;
}
