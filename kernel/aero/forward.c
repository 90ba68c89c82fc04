/* forward.c - the forwarding client: post a request in slot 0, spin
 * briefly, then back off with LAPIC one-shots and hlt until DONE. */
#include "kern.h"
#include "x86.h"

static uint64_t seq;
static uint64_t n_bells, n_backoffs;    /* for the log line at the end */

static struct mv_slot *slot(void)
{
    return (struct mv_slot *)(KVIRT + MV_SLOTS_ADDR);
}

/* Post a request; returns true if the partner was asleep (doorbell rung). */
static bool post(struct mv_slot *s, uint32_t req, int64_t nr, const int64_t arg[6],
                 uint64_t callsite)
{
    s->req = req;
    s->tid = k_boot->pid;
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
    outb(MV_DOORBELL_PORT, 0);              /* slot index */
    n_bells++;
    return true;
}

static bool done(struct mv_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == MV_SLOT_DONE;
}

/* Spin, then back off. After a doorbell spin long enough to cover the
 * partner's wake-up: a vCPU woken from hlt is itself slow to resume, and
 * would then find the partner asleep again on the next call. */
static void wait_done(struct mv_slot *s, bool rang)
{
    if (time_tsc_hz()) {
        uint64_t end = rdtsc() + time_ns_to_tsc(rang ? FWD_SPIN_BELL_NS : FWD_SPIN_NS);
        while (rdtsc() < end)
            if (done(s))
                return;
            else
                cpu_pause();
    } else {
        for (int i = 0; i < FWD_SPIN_PRE_SYNC; i++)
            if (done(s))
                return;
            else
                cpu_pause();
    }
    n_backoffs++;
    uint64_t posted = s->t_post;
    for (uint64_t ns = FWD_BACKOFF_NS; !done(s); ns *= 2) {
        /* never sleep longer than a quarter of the time waited so far: a
         * call that blocked for t is seen done at most t/4 late */
        uint64_t quarter = time_tsc_to_ns(rdtsc() - posted) / 4;
        if (ns > FWD_BACKOFF_MAX)
            ns = FWD_BACKOFF_MAX;
        if (ns > quarter && quarter > FWD_BACKOFF_NS)
            ns = quarter;
        lapic_oneshot(ns);
        if (!done(s))
            sti_hlt();
    }
    lapic_resume_tick();
}

int64_t fwd_request(uint32_t req, int64_t nr, const int64_t arg[6], uint64_t callsite,
                    int64_t *ret2)
{
    struct mv_slot *s = slot();
    wait_done(s, post(s, req, nr, arg, callsite));
    int64_t ret = s->ret;
    if (ret2)
        *ret2 = s->ret2;
    __atomic_store_n(&s->state, MV_SLOT_FREE, __ATOMIC_RELEASE);
    dlog(FWD, "fwd: req %u nr %ld = %ld\n", req, nr, ret);
    return ret;
}

int64_t fwd_syscall(int64_t nr, const int64_t arg[6], uint64_t callsite)
{
    return fwd_request(MV_REQ_SYSCALL, nr, arg, callsite, NULL);
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
