/* forward.c - the forwarding client: post a request in the current
 * thread's slot, spin briefly, then block the thread until the scheduler's
 * polling (timer ticks, or LAPIC one-shot back-off when the vCPU is idle)
 * sees DONE. */
#include "kern.h"
#include "x86.h"

static uint64_t seq;
static uint64_t n_bells, n_backoffs;    /* for the log line at the end */

static struct mv_slot *slot(void)
{
    return (struct mv_slot *)(KVIRT + MV_SLOTS_ADDR) + sched_slot();
}

/* Post a request; returns true if the partner was asleep (doorbell rung). */
static bool post(struct mv_slot *s, uint32_t req, int64_t nr, const int64_t arg[6],
                 uint64_t callsite)
{
    s->req = req;
    s->tid = sched_tid();
    s->nr = nr;
    for (int i = 0; i < 6; i++)
        s->arg[i] = arg ? arg[i] : 0;
    s->callsite = callsite;
    s->seq = ++seq;
    s->t_post = rdtsc();
    __atomic_store_n(&s->state, MV_SLOT_POSTED, __ATOMIC_RELEASE);
    /* pairs with the partner's fence between setting partner_sleeping and
     * rechecking the state: one of us sees the other's store */
    mfence();
    if (!__atomic_load_n(&s->partner_sleeping, __ATOMIC_RELAXED))
        return false;
    outb(MV_DOORBELL_PORT, (uint8_t)sched_slot());
    n_bells++;
    return true;
}

static bool done(struct mv_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == MV_SLOT_DONE;
}

/* Spin, then block. After a doorbell spin long enough to cover the
 * partner's wake-up: a vCPU woken from hlt is itself slow to resume, and
 * would then find the partner asleep again on the next call. */
static bool spin_done(struct mv_slot *s, bool rang)
{
    if (time_tsc_hz()) {
        uint64_t end = rdtsc() + time_ns_to_tsc(rang ? FWD_SPIN_BELL_NS : FWD_SPIN_NS);
        while (rdtsc() < end)
            if (done(s))
                return true;
            else
                cpu_pause();
    } else {
        for (int i = 0; i < FWD_SPIN_PRE_SYNC; i++)
            if (done(s))
                return true;
            else
                cpu_pause();
    }
    return false;
}

static void wait_done(struct mv_slot *s, bool rang)
{
    k_unlock();                 /* the slot is this thread's alone */
    if (prof_on)                /* the profiler's timer may sample the spin */
        sti();
    bool ok = spin_done(s, rang);
    cli();
    k_lock();
    if (ok)
        return;
    n_backoffs++;
    sched_wait_slot(s);
}

int64_t fwd_request(uint32_t req, int64_t nr, const int64_t arg[6], uint64_t callsite,
                    int64_t *ret2)
{
    sched_slot_acquire();
    struct mv_slot *s = slot();
    wait_done(s, post(s, req, nr, arg, callsite));
    uint64_t t_reply = rdtsc();
    int64_t ret = s->ret;
    if (ret2)
        *ret2 = s->ret2;
    if (s->interrupt) {                 /* a signal ended the call (see sched_interrupt) */
        s->interrupt = 0;
        if (ret == -EINTR)
            ret = -ERESTARTSYS;
    }
    uint64_t t_post = s->t_post, host_ns = s->host_ns;
    __atomic_store_n(&s->state, MV_SLOT_FREE, __ATOMIC_RELEASE);
    if (prof_on && req == MV_REQ_SYSCALL)
        prof_forwarded(nr, t_reply - t_post, host_ns);
    sched_slot_release();
    dlog(FWD, "fwd: req %u nr %ld = %ld\n", req, nr, ret);
    return ret;
}

int64_t fwd_syscall(int64_t nr, const int64_t arg[6], uint64_t callsite)
{
    if (wb_busy)                /* nothing may overtake buffered writes */
        wb_flush(callsite);
    return wb_after(nr, arg, fwd_request(MV_REQ_SYSCALL, nr, arg, callsite, NULL));
}

void fwd_prof_drain(void)
{
    struct mv_slot *s = slot();
    wait_done(s, post(s, MV_REQ_PROF_DRAIN, 0, NULL, 0));
    __atomic_store_n(&s->state, MV_SLOT_FREE, __ATOMIC_RELEASE);
}

void fwd_post_final(uint32_t req, const int64_t arg[6])
{
    post(slot(), req, 0, arg, 0);
}

void fwd_nosys_note(int64_t nr)
{
    static uint8_t seen[MV_MAX_SYSCALLS / 8];
    if (nr >= 0 && nr < MV_MAX_SYSCALLS) {
        if (seen[nr / 8] & (1u << (nr % 8)))
            return;
        seen[nr / 8] |= (uint8_t)(1u << (nr % 8));
    }
    int64_t arg[6] = { nr };
    fwd_request(MV_REQ_NOSYS, 0, arg, 0, NULL);
}

void fwd_log_stats(void)
{
    kprintf("fwd: %lu requests, %lu woke a sleeping partner, %lu backed off\n", seq, n_bells,
            n_backoffs);
}
