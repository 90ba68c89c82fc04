/* symbolize.c - source locations for addresses, from binutils' addr2line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"

#define MAX_OUT 65536

/* Run addr2line -f -C -e elf ADDR... and return its whole output (malloc'd),
 * or NULL if it could not run. */
static char *run_addr2line(const char *elf, const uint64_t *pcs, unsigned n)
{
    char *argv[MV_MAX_FRAMES + 8], addrs[MV_MAX_FRAMES + 1][24];
    int k = 0;
    argv[k++] = "addr2line";
    argv[k++] = "-f";
    argv[k++] = "-C";
    argv[k++] = "-e";
    argv[k++] = (char *)elf;
    for (unsigned i = 0; i < n && i <= MV_MAX_FRAMES; i++) {
        snprintf(addrs[i], sizeof addrs[i], "%#llx", (unsigned long long)pcs[i]);
        argv[k++] = addrs[i];
    }
    argv[k] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(p[1], 1);
        dup2(null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    char *out = pid > 0 ? malloc(MAX_OUT) : NULL;
    size_t len = 0;
    while (out && len < MAX_OUT - 1) {
        ssize_t r = read(p[0], out + len, MAX_OUT - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(p[0]);
    int st = 0;
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (!out || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        free(out);
        return NULL;
    }
    out[len] = '\0';
    return out;
}

/* Next line of *cur (NUL-terminated in place), or "??". */
static const char *next_line(char **cur)
{
    char *s = *cur;
    if (!s || !*s)
        return "??";
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *cur = nl + 1;
    } else {
        *cur = s + strlen(s);
    }
    char *disc = strstr(s, " (discriminator");
    if (disc)
        *disc = '\0';
    return s;
}

void mv_symbolize(const char *elf, const uint64_t *pcs, unsigned n, uint64_t bias)
{
    uint64_t look[MV_MAX_FRAMES + 1];
    if (n > MV_MAX_FRAMES + 1)
        n = MV_MAX_FRAMES + 1;
    for (unsigned i = 0; i < n; i++)
        look[i] = pcs[i] - bias - (i > 0); /* a return address: look at the call */
    char *out = run_addr2line(elf, look, n);
    char *cur = out;
    for (unsigned i = 0; i < n; i++) {
        if (!out) {
            fprintf(stderr, "    #%u 0x%llx\n", i, (unsigned long long)pcs[i]);
            continue;
        }
        const char *fn = next_line(&cur);
        const char *loc = next_line(&cur);
        if (!strcmp(loc, "??:0") || !strcmp(loc, "??:?"))
            fprintf(stderr, "    #%u 0x%llx in %s\n", i, (unsigned long long)pcs[i], fn);
        else
            fprintf(stderr, "    #%u 0x%llx in %s at %s\n", i, (unsigned long long)pcs[i], fn, loc);
        if (!strcmp(fn, "_start") || !strcmp(fn, "_start_c"))
            break; /* the outermost frame: what lies beyond is not a caller */
    }
    if (!out && n)
        fprintf(stderr, "    (install binutils for source locations)\n");
    fflush(stderr);
    free(out);
}
