/* log.c - launcher messages, the kernel log sink and its in-memory tail. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

#define TAIL_LINES 50
#define LINE_MAX_LEN 256

static int log_fd = -1;
static char tail[TAIL_LINES][LINE_MAX_LEN];
static unsigned tail_next, tail_count;
static char partial[LINE_MAX_LEN];
static size_t partial_len;

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void vmsg(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "multiverse: ");
    n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    write_all(2, buf, (size_t)n);
}

void mv_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

_Noreturn void mv_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    mv_teardown();
    mv_prof_end(MV_EXIT_FAILURE);
    _exit(MV_EXIT_FAILURE);
}

void mv_log_open(const char *path)
{
    if (!path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        mv_fail("cannot open the log file %s: %s", path, strerror(errno));
    log_fd = mv_fd_private(fd);
}

static pthread_mutex_t tail_lock = PTHREAD_MUTEX_INITIALIZER;

/* Append one line to the tail; callers hold tail_lock. */
static void tail_push(const char *line, size_t n)
{
    if (n >= LINE_MAX_LEN)
        n = LINE_MAX_LEN - 1;
    memcpy(tail[tail_next], line, n);
    tail[tail_next][n] = '\0';
    tail_next = (tail_next + 1) % TAIL_LINES;
    if (tail_count < TAIL_LINES)
        tail_count++;
}

void mv_log_feed(const char *buf, size_t n)
{
    if (log_fd >= 0)
        write_all(log_fd, buf, n);
    pthread_mutex_lock(&tail_lock);
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (ch == '\n' || partial_len == LINE_MAX_LEN - 1) {
            tail_push(partial, partial_len);
            partial_len = 0;
            if (ch == '\n')
                continue;
        }
        if (ch != '\r')
            partial[partial_len++] = ch;
    }
    pthread_mutex_unlock(&tail_lock);
}

void mv_log_line(const char *fmt, ...)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "[ros] ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    write_all(log_fd >= 0 ? log_fd : 2, buf, (size_t)n);
}

void mv_log_dump_tail(void)
{
    pthread_mutex_lock(&tail_lock);
    if (partial_len > 0) {
        tail_push(partial, partial_len);
        partial_len = 0;
    }
    if (tail_count == 0) {
        pthread_mutex_unlock(&tail_lock);
        return;
    }
    fprintf(stderr, "  kernel log (last %u lines):\n", tail_count);
    unsigned first = (tail_next + TAIL_LINES - tail_count) % TAIL_LINES;
    for (unsigned i = 0; i < tail_count; i++)
        fprintf(stderr, "    %s\n", tail[(first + i) % TAIL_LINES]);
    fflush(stderr);
    pthread_mutex_unlock(&tail_lock);
}

void mv_log_note(const char *fmt, ...)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "[ros] ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    pthread_mutex_lock(&tail_lock);
    tail_push(buf, (size_t)n);
    pthread_mutex_unlock(&tail_lock);
    if (log_fd >= 0) {
        buf[n++] = '\n';
        write_all(log_fd, buf, (size_t)n);
    }
}
