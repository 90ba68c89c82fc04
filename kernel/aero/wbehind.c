/* wbehind.c - write-behind: write, pwrite64 and writev placed native keep
 * the data for regular files in the kernel and forward it later, in fewer
 * calls, in the order it was written, before anything could observe it
 * (docs/placement.md). Everything else (pipes, sockets, terminals, devices,
 * descriptors opened read-only) is written through at once.
 *
 * Guarantees: every forwarded call (fwd_syscall: any read, lseek, fstat,
 * close, a write that is not buffered, the pread behind a file mmap...)
 * first forwards everything buffered; so do a sleep, a futex wait, exit
 * and exit_group, and a fatal fault (spinning, never switching). Flushes are serialized, so
 * the file sees the writes of all threads in the order they returned.
 * Data is also flushed when the buffer fills and, at the next buffered
 * write, once it is older than WB_MAX_AGE_NS. A flush that fails or stops
 * short keeps the error for that descriptor: the next write, pwrite64,
 * writev, fsync, fdatasync or close of it returns it (like a writeback
 * error on Linux). Descriptors opened O_SYNC, O_DSYNC or O_DIRECT are
 * written through. */
#include "kern.h"
#include "x86.h"

#define NR_WRITE       1
#define NR_CLOSE       3
#define NR_FSTAT       5
#define NR_PWRITE64    18
#define NR_WRITEV      20
#define NR_DUP2        33
#define NR_FCNTL       72
#define NR_FSYNC       74
#define NR_FDATASYNC   75
#define NR_DUP3        292
#define F_GETFL        3
#define F_SETFL        4
#define O_ACCMODE      3
#define O_DSYNC        010000       /* (O_SYNC includes it) */
#define O_DIRECT       040000
#define S_IFMT         0170000
#define S_IFREG        0100000
#define STAT_MODE_OFF  24           /* st_mode in x86-64 struct stat */
#define EPIPE          32
#define ENOSPC         28
#define SIGPIPE        13

#define WB_BUF_SIZE    0x10000      /* bytes in each half of the double buffer */
#define WB_MAX_RECS    256          /* runs of bytes (one forwarded call each) per half */
#define WB_MAX_FD      1024         /* descriptors at or above are written through */
#define WB_DIRECT_MIN  (WB_BUF_SIZE / 4)    /* larger writes go through (after a flush) */
#define WB_MAX_IOV     64           /* writev with more pieces goes through */
#define WB_MAX_AGE_NS  100000000ll  /* flush at the next write once data is this old */

enum { FD_UNKNOWN, FD_BUFFERED, FD_DIRECT };

/* One run of bytes for one descriptor: a write (pos < 0) or a pwrite64 at pos. */
struct rec {
    int32_t fd;
    uint32_t len;
    uint32_t off;               /* in the half's data */
    int64_t pos;
};

struct half {
    uint8_t *data;              /* WB_BUF_SIZE bytes in the region: the launcher reads them */
    uint32_t used, nrecs;
    int64_t first_ns;           /* when its oldest byte was buffered */
    struct rec recs[WB_MAX_RECS];
};

bool wb_busy;                   /* a half holds data (buffered or being flushed) */

static struct {
    struct half half[2];
    unsigned active;            /* the half new data goes to */
    /* the flush in progress: the other half, from recs[next].len + done */
    bool flushing;
    unsigned next, flusher_slot;
    uint32_t done;
    uint8_t cls[WB_MAX_FD];
    uint8_t err[WB_MAX_FD];     /* errno of a failed flush, not yet reported */
    uint32_t epoch;             /* bumped when a descriptor's class is forgotten */
    uint8_t *scratch;           /* a struct stat for classification */
    bool setup, broken;
    uint64_t n_buffered, n_forwarded, bytes, n_waits;
} wb;

struct piece {
    uint64_t base, len;
};


static bool setup(void)
{
    if (wb.setup)
        return !wb.broken;
    wb.setup = true;
    uint64_t a = umem_reserve(2 * WB_BUF_SIZE + MV_PAGE_SIZE);
    if (!a) {
        kprintf("wbehind: no room for the buffer: writes go through\n");
        wb.broken = true;
        return false;
    }
    wb.half[0].data = (uint8_t *)a;
    wb.half[1].data = (uint8_t *)a + WB_BUF_SIZE;
    wb.scratch = (uint8_t *)a + 2 * WB_BUF_SIZE;
    return true;
}

static void update_busy(void)
{
    wb_busy = wb.half[0].nrecs || wb.half[1].nrecs;
}

/* FD_BUFFERED for a regular file open for writing, else FD_DIRECT; learnt
 * with a forwarded fstat and fcntl(F_GETFL) the first time fd is written. */
static int classify(int64_t fd, uint64_t callsite)
{
    if (fd < 0 || fd >= WB_MAX_FD)
        return FD_DIRECT;
    if (wb.cls[fd] != FD_UNKNOWN)
        return wb.cls[fd];
    if (!setup())
        return FD_DIRECT;
    uint32_t epoch = wb.epoch;
    int64_t st[6] = { fd, (int64_t)wb.scratch };
    if (fwd_request(MV_REQ_SYSCALL, NR_FSTAT, st, callsite, NULL) < 0)
        return FD_DIRECT;       /* not remembered: the number may be opened later */
    uint32_t mode;
    memcpy(&mode, wb.scratch + STAT_MODE_OFF, sizeof mode);
    int64_t fl[6] = { fd, F_GETFL };
    int64_t flags = fwd_request(MV_REQ_SYSCALL, NR_FCNTL, fl, callsite, NULL);
    if (flags < 0)
        return FD_DIRECT;
    /* O_SYNC/O_DSYNC ask for each write to be durable when it returns, and
     * O_DIRECT for the program's own alignment: written through */
    int c = (mode & S_IFMT) == S_IFREG && (flags & O_ACCMODE) != 0 &&
            !(flags & (O_DSYNC | O_DIRECT)) ? FD_BUFFERED : FD_DIRECT;
    if (epoch == wb.epoch)      /* no close or dup2 while we asked */
        wb.cls[fd] = (uint8_t)c;
    return c;
}

/* The descriptor's class is to be learnt again (and with drop_error, it
 * is a new file: an old error no longer applies). */
static void forget(int64_t fd, bool drop_error)
{
    if (fd < 0 || fd >= WB_MAX_FD)
        return;
    wb.cls[fd] = FD_UNKNOWN;
    if (drop_error)
        wb.err[fd] = 0;
    wb.epoch++;
}

static void keep_error(int32_t fd, int64_t ret)
{
    int e = ret < 0 ? (int)-ret : ENOSPC;       /* a write of 0 bytes: no room */
    kprintf("wbehind: a buffered write to fd %d failed (errno %d): reported at its next "
            "write, fsync or close\n", fd, e);
    if (fd >= 0 && fd < WB_MAX_FD && !wb.err[fd])
        wb.err[fd] = (uint8_t)e;
}

/* Forward the rest of record r of h (from byte wb.done). */
static void send_rec(struct half *h, const struct rec *r, uint64_t callsite)
{
    while (wb.done < r->len) {
        int64_t arg[6] = { r->fd, (int64_t)(h->data + r->off + wb.done), r->len - wb.done,
                           r->pos < 0 ? 0 : r->pos + wb.done };
        int64_t ret = fwd_request(MV_REQ_SYSCALL, r->pos < 0 ? NR_WRITE : NR_PWRITE64, arg,
                                  callsite, NULL);
        wb.n_forwarded++;
        if (ret == -EINTR || ret == -ERESTARTSYS)
            continue;
        if (ret <= 0) {
            keep_error(r->fd, ret);
            return;
        }
        wb.done += (uint32_t)ret;
    }
}

/* Wait (blocked) while another thread flushes. */
static void wait_flushing(void)
{
    while (wb.flushing) {
        wb.n_waits++;
        sched_wait_key(&wb.flushing);
    }
}

void wb_flush(uint64_t callsite)
{
    wait_flushing();
    struct half *h = &wb.half[wb.active];
    if (!h->nrecs)
        return;
    wb.active ^= 1;
    wb.flushing = true;
    wb.flusher_slot = sched_slot();
    for (wb.next = 0, wb.done = 0; wb.next < h->nrecs; wb.next++, wb.done = 0)
        send_rec(h, &h->recs[wb.next], callsite);
    h->used = h->nrecs = 0;
    wb.flushing = false;
    sched_wake_key(&wb.flushing);
    update_busy();
}

void wb_flush_all(void)
{
    while (wb_busy)
        wb_flush(0);
}

/* ---- the final flush: a fatal fault, with interrupts off ---- */

static struct mv_slot *slot_at(unsigned i)
{
    return (struct mv_slot *)(KVIRT + MV_SLOTS_ADDR) + i;
}

static uint32_t slot_state(struct mv_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/* One forwarded call on the current thread's slot, spinning (the doorbell
 * rung if the partner sleeps) until the reply; never blocks or switches. */
static int64_t spin_call(int64_t nr, const int64_t arg[6])
{
    struct mv_slot *s = slot_at(sched_slot());
    while (slot_state(s) == MV_SLOT_POSTED || slot_state(s) == MV_SLOT_CLAIMED)
        cpu_pause();            /* a thread sharing the slot is being answered */
    s->req = MV_REQ_SYSCALL;
    s->tid = sched_tid();
    s->nr = nr;
    for (int i = 0; i < 6; i++)
        s->arg[i] = arg[i];
    s->callsite = 0;
    s->t_post = rdtsc();
    __atomic_store_n(&s->state, MV_SLOT_POSTED, __ATOMIC_RELEASE);
    mfence();
    if (__atomic_load_n(&s->partner_sleeping, __ATOMIC_RELAXED))
        outb(MV_DOORBELL_PORT, (uint8_t)sched_slot());
    while (slot_state(s) != MV_SLOT_DONE)
        cpu_pause();
    int64_t ret = s->ret;
    __atomic_store_n(&s->state, MV_SLOT_FREE, __ATOMIC_RELEASE);
    return ret;
}

static void final_half(struct half *h, unsigned from, uint32_t done)
{
    for (unsigned i = from; i < h->nrecs; i++, done = 0) {
        const struct rec *r = &h->recs[i];
        while (done < r->len) {
            int64_t arg[6] = { r->fd, (int64_t)(h->data + r->off + done), r->len - done,
                               r->pos < 0 ? 0 : r->pos + done };
            int64_t ret = spin_call(r->pos < 0 ? NR_WRITE : NR_PWRITE64, arg);
            if (ret == -EINTR)
                continue;
            if (ret <= 0)
                break;
            done += (uint32_t)ret;
        }
    }
    h->used = h->nrecs = 0;
}

void wb_flush_final(void)
{
    if (!wb_busy)
        return;
    if (wb.flushing) {
        /* another thread's flush stopped half-way: let its call in flight
         * finish, then send what it had not sent yet */
        struct half *h = &wb.half[wb.active ^ 1];
        struct mv_slot *s = slot_at(wb.flusher_slot);
        uint32_t st;
        while ((st = slot_state(s)) == MV_SLOT_POSTED || st == MV_SLOT_CLAIMED)
            cpu_pause();
        unsigned from = wb.next;
        uint32_t done = wb.done;
        if (st == MV_SLOT_DONE && from < h->nrecs)
            done = s->ret > 0 ? done + (uint32_t)s->ret : h->recs[from].len;
        if (from < h->nrecs && done >= h->recs[from].len) {
            from++;
            done = 0;
        }
        final_half(h, from, done);
        wb.flushing = false;
    }
    final_half(&wb.half[wb.active], 0, 0);
    update_busy();
}

/* ---- the system calls ---- */

/* The call as the program made it, forwarded (after a flush). */
static long through(struct trapframe *tf)
{
    int64_t arg[6] = { (int64_t)tf->rdi, (int64_t)tf->rsi, (int64_t)tf->rdx,
                       (int64_t)tf->r10, (int64_t)tf->r8, (int64_t)tf->r9 };
    int64_t ret = fwd_syscall((int64_t)tf->rax, arg, tf->rip);
    if (ret == -EPIPE)
        sig_raise(SIGPIPE, 0);
    return ret;
}

/* Room for len bytes in one record of the active half (fd, pos)? */
static bool fits(const struct half *h, int64_t fd, int64_t pos, uint64_t len)
{
    if (h->used + len > WB_BUF_SIZE)
        return false;
    if (h->nrecs < WB_MAX_RECS)
        return true;
    const struct rec *last = &h->recs[h->nrecs - 1];
    return last->fd == fd && (pos < 0 ? last->pos < 0 : last->pos >= 0 && last->pos + last->len == pos);
}

static void append(struct half *h, int64_t fd, int64_t pos, const struct piece *p, unsigned n,
                   uint64_t total)
{
    struct rec *last = h->nrecs ? &h->recs[h->nrecs - 1] : NULL;
    if (last && last->fd == fd &&
        (pos < 0 ? last->pos < 0 : last->pos >= 0 && last->pos + last->len == pos)) {
        last->len += (uint32_t)total;
    } else {
        h->recs[h->nrecs++] = (struct rec){ (int32_t)fd, (uint32_t)total, h->used, pos };
    }
    for (unsigned i = 0; i < n; i++) {
        memcpy(h->data + h->used, (const void *)p[i].base, p[i].len);
        h->used += (uint32_t)p[i].len;
    }
}

/* Buffer the pieces for fd (at pos for pwrite64, pos < 0 for write), or
 * write them through. Returns the call's result. */
static long put(struct trapframe *tf, int64_t fd, int64_t pos, const struct piece *p, unsigned n,
                uint64_t total)
{
    if (classify(fd, tf->rip) != FD_BUFFERED)
        return through(tf);
    if (wb.err[fd]) {
        long e = -(long)wb.err[fd];
        wb.err[fd] = 0;
        return e;
    }
    if (total > WB_DIRECT_MIN)
        return through(tf);
    for (unsigned i = 0; i < n; i++)        /* an empty piece is never read */
        if (p[i].len && !mm_user_ok(p[i].base, p[i].len))
            return through(tf);             /* Linux's answer (EFAULT) from the host */
    if (!total)
        return 0;
    while (!fits(&wb.half[wb.active], fd, pos, total))
        wb_flush(tf->rip);
    struct half *h = &wb.half[wb.active];
    int64_t now = time_monotonic_ns();
    if (!h->nrecs)
        h->first_ns = now;
    append(h, fd, pos, p, n, total);
    wb.n_buffered++;
    wb.bytes += total;
    wb_busy = true;
    if (now - h->first_ns > WB_MAX_AGE_NS)
        wb_flush(tf->rip);
    return (long)total;
}

long sys_write(struct trapframe *tf)
{
    struct piece p = { tf->rsi, tf->rdx };
    if (p.len > 0x7fffffffffffffffull)
        return through(tf);
    return put(tf, (int64_t)tf->rdi, -1, &p, 1, p.len);
}

long sys_pwrite64(struct trapframe *tf)
{
    struct piece p = { tf->rsi, tf->rdx };
    int64_t pos = (int64_t)tf->r10;
    if (pos < 0 || p.len > 0x7fffffffffffffffull || (uint64_t)pos + p.len < (uint64_t)pos)
        return through(tf);
    return put(tf, (int64_t)tf->rdi, pos, &p, 1, p.len);
}

long sys_writev(struct trapframe *tf)
{
    uint64_t iov = tf->rsi, cnt = tf->rdx;
    if (cnt == 0 || cnt > WB_MAX_IOV || !mm_user_ok(iov, cnt * sizeof(struct piece)))
        return through(tf);
    struct piece p[WB_MAX_IOV];
    uint64_t total = 0;
    memcpy(p, (const void *)iov, cnt * sizeof p[0]);
    for (uint64_t i = 0; i < cnt; i++) {
        if (p[i].len > 0x7fffffffffffffffull - total)
            return through(tf);                 /* EINVAL from the host */
        total += p[i].len;
    }
    return put(tf, (int64_t)tf->rdi, -1, p, (unsigned)cnt, total);
}

int64_t wb_after(int64_t nr, const int64_t arg[6], int64_t ret)
{
    int64_t fd = arg[0];
    switch (nr) {
    case NR_CLOSE:
    case NR_FSYNC:
    case NR_FDATASYNC:
        if (fd >= 0 && fd < WB_MAX_FD && wb.err[fd]) {
            if (ret == 0)
                ret = -(int64_t)wb.err[fd];
            wb.err[fd] = 0;
        }
        if (nr == NR_CLOSE)
            forget(fd, true);
        return ret;
    case NR_DUP2:
    case NR_DUP3:
        if (ret >= 0)
            forget(arg[1], true);
        return ret;
    case NR_FCNTL:              /* O_DIRECT may have been set */
        if (arg[1] == F_SETFL)
            forget(fd, false);
        return ret;
    default:
        return ret;
    }
}

void wb_log_stats(void)
{
    if (wb.n_buffered)
        kprintf("wbehind: %lu writes (%lu bytes) buffered, forwarded in %lu calls; %lu waits "
                "for another thread's flush\n", wb.n_buffered, wb.bytes, wb.n_forwarded,
                wb.n_waits);
}
