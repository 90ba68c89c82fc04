/* profile.c - the sampling profiler and forwarded-call accounting: timer
 * samples (instruction pointer and call chain) into this vCPU's ring of the
 * shared profile area, idle time as idle samples, one record per forwarded
 * call, and the counters of natively handled calls. The layout and the ring
 * protocol are in mv_abi.h; docs/profiling.md explains the choices. */
#include "kern.h"
#include "x86.h"

#define UNWIND_SCAN_WORDS 256       /* stack words one walk may scan */
#define UNWIND_BLIND_WORDS 24       /* ... above sp when there is no frame pointer */
#define UNWIND_FRAME_MAX  0x100000  /* a frame pointer this far above sp is bogus */
#define WEIGHT_MAX        0xffff

extern char __kernel_start[], __kernel_end[];

bool prof_on;
static uint64_t period;             /* TSC ticks between samples */
static struct mv_prof_area *area;
static uint64_t text_lo, text_hi;   /* where program return addresses may lie */

void prof_init(void)
{
    uint32_t hz = k_boot->prof_hz;
    area = (struct mv_prof_area *)(KVIRT + MV_PROF_ADDR);
    if (!hz)
        return;
    uint64_t words = area->ring_words;
    uint64_t space = (MV_PROF_END - MV_PROF_RINGS_ADDR) / 8;
    uint32_t cpus = k_boot->ncpus < MAX_CPUS ? k_boot->ncpus : MAX_CPUS;
    if (hz > MV_PROF_MAX_HZ || words < 4 * MV_PROF_RESERVE || (words & (words - 1)) ||
        area->nrings < cpus || area->nrings > MV_PROF_MAX_CPUS ||
        words * area->nrings > space)
        mv_panic("profiling asked at %u Hz with an inconsistent profile area (%u rings of %lu "
                 "words)", hz, area->nrings, words);
    period = time_tsc_hz() / hz;
    text_lo = k_boot->region_base + 8;
    text_hi = k_boot->brk_start;
    prof_on = period > 0;
    prof_cpu_start();
    kprintf("prof: sampling at %u Hz, %u rings of %lu KiB\n", hz, area->nrings, words * 8 / 1024);
}

void prof_cpu_start(void)
{
    this_cpu()->prof_next = rdtsc();
}

uint32_t prof_timer_hz(void)
{
    uint32_t hz = prof_on ? k_boot->prof_hz : 0;
    return hz > TICK_HZ ? hz : TICK_HZ;
}

/* ---- the rings ---- */

static struct mv_prof_ring *my_ring(void)
{
    return &area->ring[this_cpu()->id];
}

static uint64_t *ring_words(unsigned cpu)
{
    return (uint64_t *)(KVIRT + MV_PROF_RINGS_ADDR) + (uint64_t)cpu * area->ring_words;
}

static uint64_t ring_free(const struct mv_prof_ring *r)
{
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return area->ring_words - (r->head - tail);
}

/* Append n words (the caller checked the room) and publish them. */
static void ring_put(struct mv_prof_ring *r, const uint64_t *w, unsigned n)
{
    uint64_t *base = ring_words(this_cpu()->id), mask = area->ring_words - 1, h = r->head;
    for (unsigned i = 0; i < n; i++)
        base[(h + i) & mask] = w[i];
    __atomic_store_n(&r->head, h + n, __ATOMIC_RELEASE);
}

static uint64_t rec_word(unsigned type, unsigned nframes, uint64_t weight, int32_t tid)
{
    return type | (uint64_t)nframes << 8 | weight << 16 | (uint64_t)(uint32_t)tid << 32;
}

/* ---- call chains ---- */

static bool kernel_text(uint64_t a)
{
    return a >= (uint64_t)__kernel_start && a < (uint64_t)__kernel_end;
}

/* Kernel frames by the kernel's own rbp chain, on this vCPU's current
 * kernel stack or a stack inside the kernel image (boot, idle, IST). */
static unsigned kernel_chain(uint64_t *out, unsigned max, uint64_t rbp)
{
    uint64_t top = this_cpu()->kstack_top, lo = top - KSTACK_SIZE, prev = 0;
    unsigned n = 0;
    while (n < max && !(rbp & 7) && rbp > prev &&
           ((rbp >= lo && rbp + 16 <= top) || (kernel_text(rbp) && kernel_text(rbp + 15)))) {
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (ret < MV_KERNEL_VIRT)
            break;
        out[n++] = ret;
        prev = rbp;
        rbp = ((uint64_t *)rbp)[0];
    }
    return n;
}

static inline bool user_text(uint64_t a)
{
    return a - text_lo < text_hi - text_lo;
}

/* The first word in [*sp, end) (at most *budget words) that is a return
 * address into a call of a function that can hold pc; 0 if none. */
static uint64_t scan_return(uint64_t *sp, uint64_t end, uint64_t pc, unsigned *budget)
{
    uint64_t s = ALIGN_UP(*sp, 8);
    if (end <= s || !mm_user_ok(s, end - s))
        return 0;
    for (; s + 8 <= end && *budget; s += 8, (*budget)--) {
        uint64_t v = *(uint64_t *)s;
        if (user_text(v) && unwind_call_before(v, pc, true)) {
            *sp = s + 8;
            return v;
        }
    }
    return 0;
}

/* The program's chain from pc (written first), stack pointer sp and frame
 * pointer rbp. Program code built by mvcc keeps frame pointers; musl's own
 * functions do not, so before each frame-pointer step the words between sp
 * and the frame are searched for return addresses of frameless calls (a
 * direct call whose target can hold pc). The walk ends where the frame
 * pointer chain does (rbp 0: musl's _start and __clone clear it, so the
 * outermost frames are main and a thread's start function). Everything
 * read is checked against the program's mappings. Under TCG a walk costs
 * ~1 us; the bounds keep it there. */
static unsigned walk(uint64_t *out, uint64_t *slot, unsigned max, uint64_t pc, uint64_t sp,
                     uint64_t rbp)
{
    unsigned n = 0, budget = UNWIND_SCAN_WORDS;
    if (!max || !user_text(pc))
        return 0;
    out[n++] = pc;
    while (n < max) {
        bool fp = !(rbp & 7) && rbp >= sp && rbp - sp < UNWIND_FRAME_MAX && mm_user_ok(rbp, 16);
        uint64_t end = fp ? rbp : sp + 8 * UNWIND_BLIND_WORDS;
        uint64_t ret = scan_return(&sp, end, pc, &budget);
        if (ret) {
            if (slot)
                slot[n] = sp - 8;
            pc = out[n++] = ret;
            continue;
        }
        if (!fp)
            break;
        ret = ((uint64_t *)rbp)[1];
        if (!user_text(ret) || !unwind_call_before(ret, pc, false))
            break;
        if (slot)
            slot[n] = rbp + 8;
        pc = out[n++] = ret;
        sp = rbp + 16;
        rbp = ((uint64_t *)rbp)[0];
        if (!rbp)
            break;
    }
    return n;
}

unsigned prof_user_chain(uint64_t *out, unsigned max, uint64_t pc, uint64_t sp, uint64_t rbp)
{
    return walk(out, NULL, max, pc, sp, rbp);
}

/* The last forwarded call's chain on each vCPU, and where on the stack its
 * return addresses were found: a call made again from the same place
 * (same pc, sp and rbp) with the same return addresses in those slots has
 * the same chain, found without a walk (calls in a loop). */
static struct {
    uint64_t pc, sp, rbp;
    unsigned n;
    uint64_t addr[MV_MAX_FRAMES], slot[MV_MAX_FRAMES];
} last_fwd[MAX_CPUS];

static unsigned fwd_chain(uint64_t *out, uint64_t pc, uint64_t sp, uint64_t rbp)
{
    __typeof__(last_fwd[0]) *c = &last_fwd[this_cpu()->id];
    bool same = c->n && c->pc == pc && c->sp == sp && c->rbp == rbp;
    for (unsigned i = 1; same && i < c->n; i++)
        same = *(const uint64_t *)c->slot[i] == c->addr[i];
    if (!same) {
        c->n = walk(c->addr, c->slot, MV_MAX_FRAMES, pc, sp, rbp);
        c->pc = pc;
        c->sp = sp;
        c->rbp = rbp;
    }
    memcpy(out, c->addr, c->n * sizeof *out);
    return c->n;
}

/* ---- samples ---- */

/* Sampling periods due at now (0 if none): a tick within half a period of
 * the next sample time counts, so that timer jitter neither drops nor
 * doubles samples. */
static uint64_t periods_due(struct cpu *c, uint64_t now)
{
    if (now + period / 2 < c->prof_next)
        return 0;
    uint64_t n = (now + period / 2 - c->prof_next) / period + 1;
    c->prof_next += n * period;
    return n;
}

static void put_sample(struct mv_prof_ring *r, const uint64_t *rec, unsigned len, uint64_t weight)
{
    r->samples += weight;
    if (ring_free(r) < len + MV_PROF_RESERVE)
        r->dropped += weight;
    else
        ring_put(r, rec, len);
}

static void put_idle(uint64_t periods)
{
    struct mv_prof_ring *r = my_ring();
    while (periods) {
        uint64_t w = periods > WEIGHT_MAX ? WEIGHT_MAX : periods;
        uint64_t rec = rec_word(MV_PROF_REC_IDLE, 0, w, 0);
        put_sample(r, &rec, 1, w);
        periods -= w;
    }
}

void prof_timer(struct trapframe *tf)
{
    struct cpu *c = this_cpu();
    if (!prof_on || c->halted)          /* a halt is accounted by prof_halt */
        return;
    /* one sample, whatever the periods since the last one: a late tick
     * means the vCPU did not run (its host thread was descheduled) or ran
     * with interrupts off, and only the first is a sample of CPU time */
    uint64_t due = periods_due(c, rdtsc());
    if (!due)
        return;
    my_ring()->missed += due - 1;
    uint64_t weight = 1;
    uint64_t rec[1 + MV_PROF_MAX_ADDRS];
    unsigned n = 0, max = MV_PROF_MAX_ADDRS;
    if (is_user_addr(tf->rip)) {
        n = prof_user_chain(rec + 1, max, tf->rip, tf->rsp, tf->rbp);
        if (!n)
            rec[1 + n++] = tf->rip;     /* outside the image: still the pc */
    } else {
        /* kernel code working for the current thread: its kernel frames,
         * then its program frames as they were at system-call entry */
        rec[1 + n++] = tf->rip;
        n += kernel_chain(rec + 1 + n, MV_MAX_FRAMES - 1, tf->rbp);
        const struct trapframe *u = (const struct trapframe *)(c->kstack_top - sizeof *u);
        if (sched_tid() && u->vector == VEC_SYSCALL)
            n += prof_user_chain(rec + 1 + n, max - n, u->rip, u->rsp, u->rbp);
    }
    rec[0] = rec_word(MV_PROF_REC_SAMPLE, n, weight, sched_tid());
    put_sample(my_ring(), rec, 1 + n, weight);
}

void prof_halt(void)
{
    struct cpu *c = this_cpu();
    c->halted = true;
    sti_hlt();
    c->halted = false;
    if (prof_on) {
        uint64_t periods = periods_due(c, rdtsc());
        if (periods)
            put_idle(periods);
    }
}

/* ---- accounting ---- */

void prof_native(uint64_t nr)
{
    if (nr < MV_MAX_SYSCALLS)
        __atomic_add_fetch(&area->native_count[nr], 1, __ATOMIC_RELAXED);
}

void prof_forwarded(int64_t nr, uint64_t total_tsc, uint64_t host_ns)
{
    uint64_t rec[4 + MV_MAX_FRAMES];
    unsigned n = 0;
    const struct trapframe *u = (const struct trapframe *)(this_cpu()->kstack_top - sizeof *u);
    if (u->vector == VEC_SYSCALL)
        n = fwd_chain(rec + 4, u->rip, u->rsp, u->rbp);
    rec[0] = rec_word(MV_PROF_REC_FWD, n, 1, sched_tid());
    rec[1] = (uint64_t)nr;
    rec[2] = time_tsc_to_ns(total_tsc);
    rec[3] = host_ns;
    /* never dropped: make room by having the launcher drain now (the thread
     * may block meanwhile and come back on another vCPU) */
    while (ring_free(my_ring()) < 4 + n) {
        my_ring()->drains++;
        fwd_prof_drain();
    }
    struct mv_prof_ring *r = my_ring();
    ring_put(r, rec, 4 + n);
    r->forwarded++;
}
