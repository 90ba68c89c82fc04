/* qemu.c - choose the accelerator, start QEMU on the shared region, end it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include "launch.h"

#define QEMU_BIN "qemu-system-x86_64"
#define ERR_TAIL 4096

/* Descriptor numbers inside the QEMU child. */
enum { CHILD_MEM_FD = 3, CHILD_LOG_FD = 4, CHILD_DOOR_FD = 5 };

static pid_t qemu_pid;
static char err_tail[ERR_TAIL];
static size_t err_len;

pid_t mv_qemu_pid(void)
{
    return qemu_pid;
}

static bool cpu_has_virt(void)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return false;
    char line[4096];
    bool yes = false;
    while (!yes && fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5))
            yes = strstr(line, " vmx") || strstr(line, " svm");
    fclose(f);
    return yes;
}

static bool kvm_usable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return cpu_has_virt();
}

enum mv_accel mv_qemu_accel(enum mv_accel want)
{
    if (want == MV_ACCEL_TCG)
        return MV_ACCEL_TCG;
    if (kvm_usable())
        return MV_ACCEL_KVM;
    if (want == MV_ACCEL_KVM)
        mv_fail("KVM is not usable here (/dev/kvm must open read-write and the CPU must "
                "offer vmx or svm): use --accel tcg or auto");
    return MV_ACCEL_TCG;
}

struct argv_buf {
    char *v[64];
    int n;
};

static void add(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv_buf *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (a->n >= (int)(sizeof a->v / sizeof a->v[0]) - 1 || vasprintf(&a->v[a->n], fmt, ap) < 0)
        mv_fail("out of memory");
    va_end(ap);
    a->v[++a->n] = NULL;
}

static void build_argv(struct argv_buf *a, const struct mv_opts *o, enum mv_accel accel,
                       const struct mv_region *r)
{
    bool kvm = accel == MV_ACCEL_KVM;
    add(a, QEMU_BIN);
    add(a, "-machine");
    add(a, "microvm,accel=%s,pit=off,pic=off,rtc=off,isa-serial=on,memory-backend=ram",
        kvm ? "kvm" : "tcg");
    add(a, "-cpu");
    add(a, kvm ? "host" : "max");
    add(a, "-m");
    add(a, "%lluM", (unsigned long long)(r->ram_size >> 20));
    add(a, "-object");
    add(a, "memory-backend-file,id=ram,size=%llu,mem-path=/proc/self/fd/%d,share=on",
        (unsigned long long)r->ram_size, CHILD_MEM_FD);
    add(a, "-smp");
    add(a, "%u", o->cpus);
    add(a, "-name");                    /* vCPU threads named "CPU n/TCG": affinity.c */
    add(a, "multiverse,debug-threads=on");
    add(a, "-nodefaults");
    add(a, "-no-user-config");
    add(a, "-display");
    add(a, "none");
    add(a, "-no-reboot");
    add(a, "-kernel");
    add(a, "%s", o->kernel);
    add(a, "-chardev");
    add(a, "file,id=log,path=/proc/self/fd/%d", CHILD_LOG_FD);
    add(a, "-serial");
    add(a, "chardev:log");
    add(a, "-chardev");
    add(a, "file,id=door,path=/proc/self/fd/%d", CHILD_DOOR_FD);
    add(a, "-device");
    add(a, "isa-debugcon,iobase=%#x,chardev=door", MV_DOORBELL_PORT);
    if (o->gdb_port) {
        add(a, "-gdb");
        add(a, "tcp:127.0.0.1:%d", o->gdb_port);
    }
    if (o->wait_gdb)
        add(a, "-S");
}

/* In the child: its own process group, killed with the launcher, stdio and
 * the three shared descriptors at fixed numbers, nothing else inherited. */
static _Noreturn void child(char **argv, const struct mv_region *r, int log_w, int door_w,
                            int err_w, int exec_err_w, pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(err_w, 1) < 0 || dup2(err_w, 2) < 0 ||
        dup2(r->fd, CHILD_MEM_FD) < 0 || dup2(log_w, CHILD_LOG_FD) < 0 ||
        dup2(door_w, CHILD_DOOR_FD) < 0)
        goto fail;
    /* every other descriptor: close-on-exec (exec_err_w reports failure) */
    if (close_range(CHILD_DOOR_FD + 1, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
        for (int fd = CHILD_DOOR_FD + 1; fd < 1024; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    execvp(argv[0], argv);
fail:;
    int e = errno;
    if (write(exec_err_w, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

pid_t mv_qemu_spawn(const struct mv_opts *o, enum mv_accel accel,
                    const struct mv_region *r, int log_w, int door_w, int err_w)
{
    struct argv_buf a = { .n = 0 };
    build_argv(&a, o, accel, r);
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0)
        mv_fail("pipe: %s", strerror(errno));
    int ep_r = mv_fd_private(ep[0]), ep_w = mv_fd_private(ep[1]);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        mv_fail("cannot start QEMU: fork: %s", strerror(errno));
    if (pid == 0)
        child(a.v, r, log_w, door_w, err_w, ep_w, parent);
    qemu_pid = pid;
    setpgid(pid, pid);
    mv_fd_close(ep_w);
    int e = 0;
    ssize_t n;
    do
        n = read(ep_r, &e, sizeof e);
    while (n < 0 && errno == EINTR);
    mv_fd_close(ep_r);
    for (int i = 0; i < a.n; i++)
        free(a.v[i]);
    if (n > 0) {
        if (e == ENOENT)
            mv_fail(QEMU_BIN " not found: install the Debian package qemu-system-x86");
        mv_fail("cannot start " QEMU_BIN ": %s", strerror(e));
    }
    return pid;
}

void mv_qemu_kill(void)
{
    if (qemu_pid <= 0)
        return;
    kill(qemu_pid, SIGKILL);
    while (waitpid(qemu_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    qemu_pid = 0;
}

void mv_qemu_reap(char *buf, size_t n)
{
    int st = 0;
    if (qemu_pid <= 0) {
        snprintf(buf, n, "already reaped");
        return;
    }
    while (waitpid(qemu_pid, &st, 0) < 0 && errno == EINTR)
        ;
    qemu_pid = 0;
    if (WIFEXITED(st))
        snprintf(buf, n, "exit status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "killed by SIG%s", sigabbrev_np(WTERMSIG(st)) ?: "?");
    else
        snprintf(buf, n, "status %#x", st);
}

void mv_qemu_err_feed(const char *buf, size_t n)
{
    if (n >= ERR_TAIL) {
        buf += n - ERR_TAIL;
        n = ERR_TAIL;
    }
    if (err_len + n > ERR_TAIL) {
        size_t drop = err_len + n - ERR_TAIL;
        memmove(err_tail, err_tail + drop, err_len - drop);
        err_len -= drop;
    }
    memcpy(err_tail + err_len, buf, n);
    err_len += n;
}

void mv_qemu_err_dump(void)
{
    if (err_len == 0)
        return;
    fprintf(stderr, "  QEMU said:\n");
    const char *p = err_tail, *end = err_tail + err_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        fprintf(stderr, "    %.*s\n", (int)len, p);
        p += len + 1;
    }
    fflush(stderr);
}
