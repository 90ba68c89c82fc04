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
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        mv_fail("cannot open the statistics file %s: %s", path, strerror(errno));
    stats_fd = mv_fd_private(fd);
}

bool mv_stats_live(void)
{
    return stats_fd >= 0;
}

/* Forwarded calls with a count, by total host time (largest first). */
static unsigned sorted(unsigned order[MV_MAX_SYSCALLS])
{
    unsigned n = 0;
    for (unsigned nr = 0; nr < MV_MAX_SYSCALLS; nr++)
        if (__atomic_load_n(&counts[nr], __ATOMIC_RELAXED))
            order[n++] = nr;
    qsort(order, n, sizeof order[0], by_time);
    return n;
}

static void write_table(void)
{
    unsigned order[MV_MAX_SYSCALLS], n = sorted(order);
    fprintf(stderr, "%-20s %10s %14s %10s\n", "syscall", "calls", "total_us", "avg_us");
    for (unsigned i = 0; i < n; i++) {
        unsigned nr = order[i];
        const char *name = mv_sys_name(nr);
        fprintf(stderr, "%-20s %10llu %14.1f %10.2f\n", name ? name : "?",
                (unsigned long long)counts[nr], total_ns[nr] / 1e3,
                total_ns[nr] / 1e3 / (double)counts[nr]);
    }
    if (other_count)
        fprintf(stderr, "%-20s %10llu %14.1f %10.2f\n", "(invalid)",
                (unsigned long long)other_count, other_ns / 1e3,
                other_ns / 1e3 / (double)other_count);
    fflush(stderr);
}

static void write_json(bool final)
{
    unsigned order[MV_MAX_SYSCALLS], n = sorted(order);
    static char buf[65536];
    uint64_t all = other_count, all_ns = other_ns;
    for (unsigned i = 0; i < n; i++) {
        all += counts[order[i]];
        all_ns += total_ns[order[i]];
    }
    int len = snprintf(buf, sizeof buf, "{\"forwarded\":%llu,\"host_us\":%.1f,\"ready_ms\":%.1f,"
                       "\"final\":%s,\"calls\":{", (unsigned long long)all, all_ns / 1e3,
                       mv_partner_ready_ns() / 1e6, final ? "true" : "false");
    for (unsigned i = 0; i < n && len < (int)sizeof buf - 128; i++) {
        const char *name = mv_sys_name(order[i]);
        len += snprintf(buf + len, sizeof buf - (size_t)len,
                        "%s\"%s\":{\"count\":%llu,\"total_us\":%.1f}", i ? "," : "",
                        name ? name : "?", (unsigned long long)counts[order[i]],
                        total_ns[order[i]] / 1e3);
    }
    len += snprintf(buf + len, sizeof buf - (size_t)len, "}}\n");
    if (write(stats_fd, buf, (size_t)len) < 0)
        mv_log_note("cannot write statistics: %s", strerror(errno));
}

void mv_stats_snapshot(void)
{
    if (stats_fd >= 0)
        write_json(false);
}

void mv_stats_write(void)
{
    if (stats_stderr)
        write_table();
    if (stats_fd >= 0) {
        write_json(true);
        mv_fd_close(stats_fd);
    }
    stats_stderr = false;
    stats_fd = -1;
}
