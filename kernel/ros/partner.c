/* partner.c - partner threads: serve one slot each (spin, then sleep until
 * the doorbell), execute forwarded requests, report the run's ending. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "launch.h"

#define SPIN_NS 200000ull

struct partner {
    struct mv_region *r;
    unsigned idx;
    int event_fd;               /* tells the main loop the run has ended */
    int door_fd;                /* the doorbell pipe (shared by all partners) */
    int wake_fd;                /* eventfd: a doorbell byte for this slot */
    pthread_t thread;
    struct mv_call call;
};

static struct partner *partners[MV_MAX_SLOTS];
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mv_region *the_region;
static unsigned the_nr_slots;
static int the_event_fd, the_door_fd;

static struct partner *start(unsigned idx);
static bool tracing;
static int end_kind;            /* enum mv_end, first writer wins */
static int end_status;
static uint64_t ready_ns;
static uint64_t start_tsc, start_raw_ns;

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A (TSC, CLOCK_MONOTONIC_RAW) pair taken as close together as possible. */
static void tsc_pair(uint64_t *tsc, uint64_t *ns)
{
    uint64_t t0 = __rdtsc();
    *ns = clock_ns(CLOCK_MONOTONIC_RAW);
    uint64_t t1 = __rdtsc();
    *tsc = t0 + (t1 - t0) / 2;
}

void mv_partner_clock_init(void)
{
    tsc_pair(&start_tsc, &start_raw_ns);
}

void mv_partner_trace(bool on)
{
    tracing = on;
}

uint64_t mv_partner_ready_ns(void)
{
    return ready_ns;
}

static uint64_t tsc_hz(void)
{
    uint64_t tsc, ns;
    tsc_pair(&tsc, &ns);
    if (ns <= start_raw_ns)
        return 0;
    return (uint64_t)((unsigned __int128)(tsc - start_tsc) * 1000000000ull / (ns - start_raw_ns));
}

static void set_ending(struct partner *p, enum mv_end kind, int status)
{
    int none = MV_END_NONE;
    if (__atomic_compare_exchange_n(&end_kind, &none, (int)kind, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&end_status, status, __ATOMIC_RELEASE);
        uint64_t one = 1;
        if (write(p->event_fd, &one, sizeof one) < 0)
            _exit(MV_EXIT_FAILURE);
    }
}

static enum mv_end terminal(uint32_t req, const struct mv_slot *s, const struct mv_report *rep,
                            int *status)
{
    switch (req) {
    case MV_REQ_EXIT: *status = (int)(s->arg[0] & 0xff); return MV_END_EXIT;
    case MV_REQ_FAULT: *status = rep->signal; return MV_END_FAULT;
    case MV_REQ_PANIC: *status = 0; return MV_END_PANIC;
    default: return MV_END_NONE;
    }
}

enum mv_end mv_partner_ending(const struct mv_region *r, int *status)
{
    int kind = __atomic_load_n(&end_kind, __ATOMIC_ACQUIRE);
    if (kind != MV_END_NONE) {
        *status = __atomic_load_n(&end_status, __ATOMIC_ACQUIRE);
        return (enum mv_end)kind;
    }
    for (unsigned i = 0; i < MV_MAX_SLOTS; i++) {
        const struct mv_slot *s = &r->slots[i];
        uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st != MV_SLOT_POSTED && st != MV_SLOT_CLAIMED)
            continue;
        enum mv_end e = terminal(s->req, s, r->report, status);
        if (e != MV_END_NONE)
            return e;
    }
    return MV_END_NONE;
}

/* The signal that interrupts a partner's blocking call (no SA_RESTART). */
#define INTERRUPT_SIG (SIGRTMIN + 2)

static void on_interrupt(int sig)
{
    (void)sig;
}

void mv_partner_ring(unsigned idx)
{
    if (idx >= the_nr_slots)
        return;
    struct partner *p = __atomic_load_n(&partners[idx], __ATOMIC_ACQUIRE);
    if (p && the_region->slots[idx].interrupt &&
        __atomic_load_n(&the_region->slots[idx].state, __ATOMIC_ACQUIRE) == MV_SLOT_CLAIMED) {
        /* a signal waits in the HRT for this call: end it with EINTR (the
         * HRT rings again while it waits, covering a call not yet entered) */
        pthread_kill(p->thread, INTERRUPT_SIG);
        return;
    }
    if (!p) {
        pthread_mutex_lock(&start_lock);
        if (!partners[idx])
            start(idx);     /* it looks at its slot before sleeping */
        pthread_mutex_unlock(&start_lock);
        return;
    }
    uint64_t one = 1;
    if (write(p->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        mv_log_note("cannot wake partner %u: %s", idx, strerror(errno));
}

/* Block until a doorbell byte arrives (from the pipe, or passed on by
 * another partner that read it); bytes for other slots are passed on. */
static void sleep_for_doorbell(struct partner *p)
{
    struct pollfd pf[2] = { { p->door_fd, POLLIN, 0 }, { p->wake_fd, POLLIN, 0 } };
    if (poll(pf, 2, -1) < 0)
        return;
    unsigned char b[64];
    ssize_t n;
    while ((n = read(p->door_fd, b, sizeof b)) > 0)
        for (ssize_t i = 0; i < n; i++)
            if (b[i] != p->idx)
                mv_partner_ring(b[i]);
    uint64_t v;
    if (read(p->wake_fd, &v, sizeof v) < 0 && errno != EAGAIN)
        mv_log_note("partner %u: %s", p->idx, strerror(errno));
}

static bool posted(const struct mv_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == MV_SLOT_POSTED;
}

/* Return once the slot holds a posted request: spin for SPIN_NS, then
 * announce partner_sleeping and block until the doorbell rings. The
 * partner reads the doorbell pipe itself: one wake-up, not two. */
static void wait_posted(struct partner *p, struct mv_slot *s)
{
    uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    for (unsigned i = 1;; i++) {
        if (posted(s))
            return;
        _mm_pause();
        if ((i & 63) == 0 && clock_ns(CLOCK_MONOTONIC) - t0 > SPIN_NS)
            break;
    }
    for (;;) {
        __atomic_store_n(&s->partner_sleeping, 1, __ATOMIC_RELAXED);
        /* pairs with the HRT's fence between storing POSTED and reading
         * partner_sleeping: one of us must see the other's store */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (posted(s))
            break;
        sleep_for_doorbell(p);
    }
    __atomic_store_n(&s->partner_sleeping, 0, __ATOMIC_RELAXED);
}

static void trace_call(const struct mv_region *r, const struct mv_call *c, const int64_t *args,
                       long ret, uint64_t ns)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s(", mv_sys_name(c->nr) ? mv_sys_name(c->nr) : "?");
    int nargs = mv_sys_nargs(c->nr);
    for (int i = 0; i < nargs && n < (int)sizeof buf - 80; i++) {
        const char *sep = i ? ", " : "";
        if (mv_sys_arg_is_str(c->nr, i) && mv_region_str_ok(r, (uint64_t)args[i]))
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s\"%.40s\"", sep,
                          (const char *)args[i]);
        else if (args[i] > -4096 && args[i] < 65536)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%lld", sep, (long long)args[i]);
        else
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s0x%llx", sep,
                          (unsigned long long)args[i]);
    }
    if (ret < 0 && ret > -4096)
        mv_log_line("%s) = -1 %s <%.1f us>", buf, strerrorname_np((int)-ret) ?: "?", ns / 1e3);
    else
        mv_log_line("%s) = %ld <%.1f us>", buf, ret, ns / 1e3);
}

/* Consume the SIGPIPE a write into a broken pipe raised here (it is
 * blocked in partners). The program's SIGPIPE is the kernel's business: it
 * raises it on -EPIPE with the program's disposition. */
static bool took_sigpipe(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    struct timespec zero = { 0, 0 };
    return sigtimedwait(&set, NULL, &zero) == SIGPIPE;
}

static long do_syscall(struct partner *p, long nr, const int64_t args[6], uint64_t *host_ns)
{
    uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
    long ret = mv_check(p->r, nr, args, &p->call);
    if (ret == 0)
        ret = mv_execute(p->r, &p->call);
    *host_ns = clock_ns(CLOCK_MONOTONIC) - t0;
    mv_stats_add(nr, *host_ns);
    if (tracing)
        trace_call(p->r, &p->call, args, ret, *host_ns);
    if (ret == -EPIPE)
        (void)took_sigpipe();
    return ret;
}

static void timesync(struct mv_region *r, struct mv_slot *s, int64_t *ret, int64_t *ret2)
{
    uint64_t hz = tsc_hz();
    *ret = (int64_t)clock_ns(CLOCK_REALTIME);
    *ret2 = (int64_t)clock_ns(CLOCK_MONOTONIC);
    s->arg[0] = (int64_t)hz;
    r->boot->tsc_hz = hz;
}

static void report_nosys(long nr)
{
    static uint8_t seen[MV_MAX_SYSCALLS / 8];
    if (nr >= 0 && nr < (long)MV_MAX_SYSCALLS) {
        uint8_t bit = (uint8_t)(1u << (nr & 7));
        if (__atomic_fetch_or(&seen[nr / 8], bit, __ATOMIC_RELAXED) & bit)
            return;
    }
    const char *name = mv_sys_name(nr);
    mv_msg("note: the program called %s (system call %ld), which the aerokernel does not "
           "implement; it returned ENOSYS", name ? name : "an unknown system call", nr);
}

/* Serve one claimed request. Returns false when the run has ended. */
static bool serve(struct partner *p, struct mv_slot *s)
{
    uint32_t req = s->req;
    long nr = (long)s->nr;
    int64_t args[6];
    memcpy(args, (const void *)s->arg, sizeof args);
    int64_t ret = 0, ret2 = 0;
    uint64_t host_ns = 0;
    int status;
    enum mv_end end = terminal(req, s, p->r->report, &status);
    if (end != MV_END_NONE) {
        set_ending(p, end, status);
        return false;
    }
    switch (req) {
    case MV_REQ_SYSCALL: ret = do_syscall(p, nr, args, &host_ns); break;
    case MV_REQ_TIMESYNC: timesync(p->r, s, &ret, &ret2); break;
    case MV_REQ_READY:
        ready_ns = clock_ns(CLOCK_MONOTONIC_RAW) - start_raw_ns;
        mv_affinity_split();
        if (tracing)
            mv_log_line("kernel ready %.1f ms after launch", ready_ns / 1e6);
        break;
    case MV_REQ_NOSYS: report_nosys((long)args[0]); ret = -ENOSYS; break;
    case MV_REQ_PROF_DRAIN: mv_prof_drain(); break;
    default:
        mv_log_note("slot %u: unknown request %u", p->idx, req);
        ret = -ENOSYS;
    }
    s->ret = ret;
    s->ret2 = ret2;
    s->host_ns = host_ns;
    __atomic_store_n(&s->state, MV_SLOT_DONE, __ATOMIC_RELEASE);
    return __atomic_load_n(&end_kind, __ATOMIC_ACQUIRE) == MV_END_NONE;
}

static void *partner_main(void *arg)
{
    struct partner *p = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, INTERRUPT_SIG);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    struct mv_slot *s = &p->r->slots[p->idx];
    for (;;) {
        wait_posted(p, s);
        __atomic_store_n(&s->state, MV_SLOT_CLAIMED, __ATOMIC_RELAXED);
        if (!serve(p, s))
            return NULL;
    }
}

/* Create the partner of slot idx; callers hold start_lock. */
static struct partner *start(unsigned idx)
{
    struct partner *p = calloc(1, sizeof *p);
    if (!p)
        mv_fail("out of memory");
    p->r = the_region;
    p->idx = idx;
    p->event_fd = the_event_fd;
    p->door_fd = the_door_fd;
    int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake < 0)
        mv_fail("eventfd: %s", strerror(errno));
    p->wake_fd = mv_fd_private(wake);
    int err = pthread_create(&p->thread, NULL, partner_main, p);
    if (err)
        mv_fail("cannot start a partner thread: %s", strerror(err));
    __atomic_store_n(&partners[idx], p, __ATOMIC_RELEASE);
    return p;
}

void mv_partners_init(struct mv_region *r, unsigned nr_slots, int event_fd, int door_fd)
{
    the_region = r;
    the_nr_slots = nr_slots < MV_MAX_SLOTS ? nr_slots : MV_MAX_SLOTS;
    the_event_fd = event_fd;
    the_door_fd = door_fd;
    struct sigaction sa = { .sa_handler = on_interrupt };  /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(INTERRUPT_SIG, &sa, NULL);
    for (unsigned i = 0; i < the_nr_slots; i++) {
        memset(&r->slots[i], 0, sizeof r->slots[i]);
        /* no partner yet: the first request rings, and the ring creates one */
        r->slots[i].partner_sleeping = i > 0;
    }
    pthread_mutex_lock(&start_lock);
    start(0);
    pthread_mutex_unlock(&start_lock);
}
