/* launch.c - mv-launch: set up the region and QEMU, run the event loop, end
 * the run with the program's status. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

extern char **environ;

static struct mv_opts opts;
static struct mv_region region = { .fd = -1 };
static struct mv_image image;
static const char *prog_path;

enum { P_QEMU, P_SIGNAL, P_LOG, P_DOOR, P_ERR, P_EVENT, P_COUNT };
static struct pollfd pfd[P_COUNT];

void mv_teardown(void)
{
    mv_qemu_kill();
    mv_region_destroy(&region);
}

static void at_exit(void)
{
    mv_teardown();
}

/* Signals the launcher handles itself, through a signalfd. SIGPIPE is
 * blocked too: a partner collects it after a write that failed with EPIPE. */
static int setup_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGTSTP, SIGCONT };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        mv_fail("signalfd: %s", strerror(errno));
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    return mv_fd_private(fd);
}

/* Die of sig as the program would have, after tearing down. */
static _Noreturn void die_of(int sig)
{
    mv_teardown();
    mv_stats_write();
    mv_prof_end(128 + sig);
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

/* Signals sent to the launcher that were passed to the program (boot info
 * host_sigpending): which, and since when the kernel has not taken them. */
static uint64_t host_sent;
static uint64_t host_pending_since_ms;
static int host_last_sig;
static uint64_t host_last_ms;

/* The kernel takes passed signals at its next tick or wake-up (10-100 ms);
 * one that is still untaken after this long finds a kernel that cannot
 * (stopped, hung): the launcher then dies of it itself. */
#ifndef HOST_SIGNAL_DEADLINE_MS
#define HOST_SIGNAL_DEADLINE_MS 2000
#endif

/* PATH lookup for a program name without a slash (then the current
 * directory, for convenience). */
static const char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return name;
    const char *path = getenv("PATH");
    static char buf[PATH_MAX];
    while (path && *path) {
        size_t len = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? path : ".", name);
        if (access(buf, X_OK) == 0)
            return buf;
        path += len + (path[len] == ':');
    }
    return name;
}

static void make_pipe(int *r, int *w)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        mv_fail("pipe: %s", strerror(errno));
    *r = mv_fd_private(p[0]);
    *w = mv_fd_private(p[1]);
    fcntl(*r, F_SETFL, O_NONBLOCK);
}

/* Read what is available on pfd[i]; on EOF stop polling it. */
static void drain(int i)
{
    char buf[4096];
    for (;;) {
        if (pfd[i].fd < 0)
            return;
        ssize_t n = read(pfd[i].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;
        if (n == 0) {
            pfd[i].fd = -1;
            return;
        }
        if (i == P_LOG)
            mv_log_feed(buf, (size_t)n);
        else if (i == P_ERR)
            mv_qemu_err_feed(buf, (size_t)n);
        else
            for (ssize_t k = 0; k < n; k++)
                mv_partner_ring((unsigned char)buf[k]);
    }
}

/* QEMU is dead: collect the last of its log and stderr. */
static void drain_all(void)
{
    drain(P_LOG);
    drain(P_ERR);
}

static void describe_fault(const struct mv_report *rep)
{
    int sig = rep->signal;
    const char *desc = strsignal(sig);
    char d[64];
    snprintf(d, sizeof d, "%s", desc ? desc : "signal");
    d[0] = (char)(d[0] >= 'A' && d[0] <= 'Z' ? d[0] - 'A' + 'a' : d[0]);
    char where[96] = "";
    if (rep->rip) {
        int n = snprintf(where, sizeof where, " at 0x%llx", (unsigned long long)rep->rip);
        if (rep->vector == 14)
            snprintf(where + n, sizeof where - (size_t)n, ", address 0x%llx",
                     (unsigned long long)rep->addr);
    }
    char thread[48] = "";
    if (rep->tid && rep->tid != region.boot->pid)     /* not the main thread */
        snprintf(thread, sizeof thread, " in thread %d", rep->tid);
    fprintf(stderr, "multiverse: %s terminated by SIG%s (%s)%s%s\n", opts.prog_argv[0],
            sigabbrev_np(sig) ?: "?", d, where, thread);
    uint64_t pcs[MV_MAX_FRAMES + 1];
    unsigned n = 0;
    if (rep->rip)
        pcs[n++] = rep->rip;
    for (unsigned i = 0; i < rep->nframes && i < MV_MAX_FRAMES && rep->frames[i]; i++)
        pcs[n++] = rep->frames[i];
    mv_symbolize(prog_path, pcs, n, image.bias);
}

static void describe_panic(struct mv_report *rep)
{
    size_t len = strlen(rep->text);
    while (len > 0 && (rep->text[len - 1] == '\n' || rep->text[len - 1] == '\r'))
        rep->text[--len] = '\0';
    fprintf(stderr, "multiverse: kernel panic: %s\n", rep->text);
    uint64_t pcs[MV_MAX_FRAMES + 1];
    unsigned n = 0;
    if (rep->rip)
        pcs[n++] = rep->rip;
    for (unsigned i = 0; i < rep->nframes && i < MV_MAX_FRAMES && rep->frames[i]; i++)
        pcs[n++] = rep->frames[i];
    mv_symbolize(opts.kernel, pcs, n, 0);
    mv_log_dump_tail();
}

static _Noreturn void finish(enum mv_end end, int status)
{
    mv_teardown();      /* QEMU is gone after this: its pipes hit EOF */
    drain_all();
    /* the region stays mapped: copy the report before looking at it */
    struct mv_report rep;
    memcpy(&rep, region.report, sizeof rep);
    rep.text[sizeof rep.text - 1] = '\0';
    if (rep.nframes > MV_MAX_FRAMES)
        rep.nframes = MV_MAX_FRAMES;
    switch (end) {
    case MV_END_EXIT:
        mv_stats_write();
        mv_prof_end(status & 0xff);
        exit(status & 0xff);
    case MV_END_FAULT:
        if (rep.signal <= 0 || rep.signal >= 65)
            rep.signal = SIGSEGV;
        /* dying of a signal the launcher was sent and passed on ends as if
         * the signal had killed the launcher, without a fault report */
        if (rep.vector < 0 && (host_sent & (1ull << (rep.signal - 1))))
            die_of(rep.signal);
        /* a write into a broken pipe ends the program quietly, as natively
         * (the kernel raises SIGPIPE on -EPIPE; the partner no longer does) */
        if (!(rep.signal == SIGPIPE && rep.vector < 0))
            describe_fault(&rep);
        mv_stats_write();
        mv_prof_end(128 + rep.signal);
        exit(128 + rep.signal);
    case MV_END_PANIC:
        describe_panic(&rep);
        mv_stats_write();
        mv_prof_end(MV_EXIT_FAILURE);
        exit(MV_EXIT_FAILURE);
    case MV_END_SIGNAL:
        die_of(status);
    default:
        mv_fail("internal error: unknown ending %d", (int)end);
    }
}

static _Noreturn void qemu_died(void)
{
    drain_all();
    int status;
    enum mv_end end = mv_partner_ending(&region, &status);
    if (end != MV_END_NONE)
        finish(end, status);
    char why[64];
    mv_qemu_reap(why, sizeof why);
    mv_msg("QEMU exited unexpectedly (%s) before the program finished; "
           "its output and the kernel log follow (keep the whole log with --log FILE)", why);
    mv_qemu_err_dump();
    mv_log_dump_tail();
    mv_teardown();
    mv_stats_write();
    mv_prof_end(MV_EXIT_FAILURE);
    exit(MV_EXIT_FAILURE);
}

/* Ctrl-Z: QEMU is in its own process group, so stop it with us. */
static void stop_with_qemu(void)
{
    pid_t q = mv_qemu_pid();
    if (q > 0)
        kill(q, SIGSTOP);
    kill(getpid(), SIGSTOP);
}

static uint64_t now_ms(void);

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT: the program's, as natively. Once the
 * kernel runs the program, the signal is passed to it (it may handle or
 * ignore it; its default action ends the run the way a native run ends,
 * buffered writes flushed). Before that, under gdb (the vCPUs may be
 * stopped), or when the kernel does not take it in time, the launcher tears
 * down and dies of it. The same signal twice within 200 ms is one: Ctrl-C
 * reaches both the launcher and the multiverse CLI, which passes it on. */
static void pass_signal(int sig)
{
    if (opts.gdb_port || mv_partner_ready_ns() == 0 || sig < 1 || sig > 64)
        die_of(sig);
    uint64_t now = now_ms();
    if (sig == host_last_sig && now - host_last_ms < 200)
        return;
    host_last_sig = sig;
    host_last_ms = now;
    uint64_t bit = 1ull << (sig - 1);
    host_sent |= bit;
    if (!__atomic_fetch_or(&region.boot->host_sigpending, bit, __ATOMIC_ACQ_REL))
        host_pending_since_ms = now;
    mv_log_note("launcher: SIG%s passed to the program", sigabbrev_np(sig) ?: "?");
}

/* A passed signal the kernel has not taken by the deadline: die of it. */
static void check_passed_signals(void)
{
    uint64_t set = __atomic_load_n(&region.boot->host_sigpending, __ATOMIC_ACQUIRE);
    if (!set || now_ms() - host_pending_since_ms < HOST_SIGNAL_DEADLINE_MS)
        return;
    int sig = __builtin_ctzll(set) + 1;
    mv_msg("the kernel did not take SIG%s within %d s: ending the run", sigabbrev_np(sig) ?: "?",
           HOST_SIGNAL_DEADLINE_MS / 1000);
    die_of(sig);
}

static void on_signal(void)
{
    struct signalfd_siginfo si;
    while (read(pfd[P_SIGNAL].fd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGTSTP)
            stop_with_qemu();
        else if (sig == SIGCONT && mv_qemu_pid() > 0)
            kill(mv_qemu_pid(), SIGCONT);
        else if (sig != SIGCHLD && sig != SIGCONT)
            pass_signal(sig);
    }
}

/* A kernel that has not said READY this long after launch is stuck. */
#ifndef BOOT_DEADLINE_MS
#define BOOT_DEADLINE_MS 30000
#endif

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The poll timeout: a statistics snapshot a second for live displays, and
 * the boot deadline until the kernel is up (none under gdb). */
static int next_timeout(uint64_t boot_deadline)
{
    int t = mv_stats_live() ? 1000 : -1;
    if (__atomic_load_n(&region.boot->host_sigpending, __ATOMIC_RELAXED)) {
        uint64_t now = now_ms(), due = host_pending_since_ms + HOST_SIGNAL_DEADLINE_MS;
        int left = due > now ? (int)(due - now) : 0;
        if (t < 0 || left < t)
            t = left;
    }
    if (mv_partner_ready_ns() == 0 && !opts.gdb_port) {
        uint64_t now = now_ms();
        if (now >= boot_deadline)
            mv_fail("the kernel did not come up within %d s (see --log FILE for its log)",
                    BOOT_DEADLINE_MS / 1000);
        int left = (int)(boot_deadline - now);
        if (t < 0 || left < t)
            t = left;
    }
    return t;
}

static _Noreturn void loop(void)
{
    uint64_t boot_deadline = now_ms() + BOOT_DEADLINE_MS;
    for (;;) {
        int n = poll(pfd, P_COUNT, next_timeout(boot_deadline));
        if (n < 0 && errno != EINTR)
            mv_fail("poll: %s", strerror(errno));
        if (n == 0 && mv_stats_live())
            mv_stats_snapshot();
        check_passed_signals();
        if (n <= 0)
            continue;
        /* doorbells: normally a sleeping partner takes the byte first; the
         * loop serves those no partner is free to read */
        if (pfd[P_DOOR].revents)
            drain(P_DOOR);
        if (pfd[P_LOG].revents)
            drain(P_LOG);
        if (pfd[P_ERR].revents)
            drain(P_ERR);
        if (pfd[P_EVENT].revents) {
            uint64_t v;
            if (read(pfd[P_EVENT].fd, &v, sizeof v) < 0 && errno != EAGAIN)
                mv_fail("eventfd: %s", strerror(errno));
            int status;
            enum mv_end end = mv_partner_ending(&region, &status);
            if (end != MV_END_NONE)
                finish(end, status);
        }
        if (pfd[P_SIGNAL].revents)
            on_signal();
        if (pfd[P_QEMU].revents)
            qemu_died();
    }
}

int main(int argc, char **argv)
{
    mv_partner_clock_init();
    mv_opts_parse(&opts, argc, argv);
    atexit(at_exit);
    for (int i = 0; i < P_COUNT; i++)
        pfd[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
    pfd[P_SIGNAL].fd = setup_signals();

    prog_path = find_program(opts.prog_argv[0]);
    mv_elf_check_kernel(opts.kernel);
    mv_elf_probe(prog_path);
    enum mv_accel accel = mv_qemu_accel(opts.accel);
    mv_log_open(opts.log_path);
    mv_stats_open(opts.stats_path);
    mv_prof_open(opts.profile_path);

    mv_region_create(&region, opts.mem);
    mv_elf_load(prog_path, &region, &image);
    mv_stack_build(&region, &image, &opts, environ);
    mv_prof_setup(&region, &opts, prog_path, accel);

    int log_w, door_w, err_w;
    make_pipe(&pfd[P_LOG].fd, &log_w);
    make_pipe(&pfd[P_DOOR].fd, &door_w);
    make_pipe(&pfd[P_ERR].fd, &err_w);
    int ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ev < 0)
        mv_fail("eventfd: %s", strerror(errno));
    pfd[P_EVENT].fd = mv_fd_private(ev);

    mv_partner_trace(opts.trace);
    mv_partners_init(&region, MV_NR_SLOTS, pfd[P_EVENT].fd, pfd[P_DOOR].fd);
    mv_prof_start();
    pid_t pid = mv_qemu_spawn(&opts, accel, &region, log_w, door_w, err_w);
    mv_affinity_target(pid, opts.cpus);
    mv_fd_close(log_w);
    mv_fd_close(door_w);
    mv_fd_close(err_w);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        mv_fail("pidfd_open: %s", strerror(errno));
    pfd[P_QEMU].fd = mv_fd_private(pidfd);
    loop();
}
