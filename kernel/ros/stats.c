/* stats.c - per-system-call counts and host time of forwarded calls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

static uint64_t counts[MV_MAX_SYSCALLS];
static uint64_t total_ns[MV_MAX_SYSCALLS];
static uint64_t other_count, other_ns;

void mv_stats_add(long nr, uint64_t host_ns)
{
    uint64_t *c = &other_count, *t = &other_ns;
    if (nr >= 0 && nr < (long)MV_MAX_SYSCALLS) {
        c = &counts[nr];
        t = &total_ns[nr];
    }
    __atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(t, host_ns, __ATOMIC_RELAXED);
}

static int by_time(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    if (total_ns[x] != total_ns[y])
        return total_ns[x] < total_ns[y] ? 1 : -1;
    return (int)x - (int)y;
}

static int stats_fd = -1;
static bool stats_stderr;

void mv_stats_open(const char *path)
{
    if (!path)
        return;
    if (!strcmp(path, "-")) {
        stats_stderr = true;
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        mv_fail("cannot open the statistics file %s: %s", path, strerror(errno));
    stats_fd = mv_fd_private(fd);
}

void mv_stats_write(void)
{
    FILE *f = stats_stderr ? stderr : NULL;
    if (stats_fd >= 0) {
        int fd = dup(stats_fd);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        mv_fd_close(stats_fd);
        stats_fd = -1;
    }
    stats_stderr = false;
    if (!f)
        return;
    unsigned order[MV_MAX_SYSCALLS], n = 0;
    for (unsigned nr = 0; nr < MV_MAX_SYSCALLS; nr++)
        if (counts[nr])
            order[n++] = nr;
    qsort(order, n, sizeof order[0], by_time);
    fprintf(f, "%-20s %10s %14s %10s\n", "syscall", "calls", "total_us", "avg_us");
    for (unsigned i = 0; i < n; i++) {
        unsigned nr = order[i];
        const char *name = mv_sys_name(nr);
        fprintf(f, "%-20s %10llu %14.1f %10.2f\n", name ? name : "?",
                (unsigned long long)counts[nr], total_ns[nr] / 1e3,
                total_ns[nr] / 1e3 / (double)counts[nr]);
    }
    if (other_count)
        fprintf(f, "%-20s %10llu %14.1f %10.2f\n", "(invalid)", (unsigned long long)other_count,
                other_ns / 1e3, other_ns / 1e3 / (double)other_count);
    if (f != stderr)
        fclose(f);
    else
        fflush(f);
}
