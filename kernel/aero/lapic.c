/* lapic.c - the local APIC timer: the periodic tick, one-shot wake-ups for
 * forwarded calls that back off, and the program-`hlt` check. */
#include "kern.h"
#include "x86.h"

#define LAPIC_PHYS   0xfee00000ull
#define REG_EOI      0x0b0
#define REG_SVR      0x0f0
#define REG_LVT_TMR  0x320
#define REG_TMR_INIT 0x380
#define REG_TMR_CUR  0x390
#define REG_TMR_DIV  0x3e0
#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define SIGSEGV      11
#define SI_KERNEL    0x80

static uint64_t counts_per_ms = 1000000;    /* QEMU's APIC bus: 1 GHz until calibrated */
static bool tick_on;

static volatile uint32_t *reg(unsigned off)
{
    return (volatile uint32_t *)((uint8_t *)P2V(LAPIC_PHYS) + off);
}

void lapic_eoi(void)
{
    *reg(REG_EOI) = 0;
}

void lapic_init(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
    *reg(REG_SVR) = 0x100 | VEC_SPURIOUS;
    *reg(REG_TMR_DIV) = 0xb;                    /* divide by 1 */
    *reg(REG_LVT_TMR) = LVT_MASKED | VEC_TIMER;
}

static uint32_t count_for(uint64_t ns)
{
    uint64_t c = ns * counts_per_ms / 1000000;
    return c == 0 ? 1 : c > 0xffffffffu ? 0xffffffffu : (uint32_t)c;
}

void lapic_start_tick(void)
{
    /* measure the timer's rate over ~300 us of TSC time; each TSC read
     * follows a counter read, so both intervals include one MMIO exit */
    *reg(REG_LVT_TMR) = LVT_MASKED | VEC_TIMER;
    *reg(REG_TMR_INIT) = 0xffffffffu;
    uint32_t c0 = *reg(REG_TMR_CUR);
    uint64_t t0 = rdtsc(), end = t0 + time_ns_to_tsc(300000);
    while (rdtsc() < end)
        cpu_pause();
    uint32_t c1 = *reg(REG_TMR_CUR);
    uint64_t ns = time_tsc_to_ns(rdtsc() - t0);
    if (c0 > c1 && ns)
        counts_per_ms = (uint64_t)(c0 - c1) * 1000000 / ns;
    dlog(BOOT, "lapic: timer %lu counts/ms, tick %u Hz\n", counts_per_ms, prof_timer_hz());
    tick_on = true;
    lapic_resume_tick();
}

void lapic_oneshot(uint64_t ns)
{
    *reg(REG_LVT_TMR) = VEC_TIMER;
    *reg(REG_TMR_INIT) = count_for(ns);
}

void lapic_resume_tick(void)
{
    if (!tick_on) {
        *reg(REG_TMR_INIT) = 0;
        return;
    }
    *reg(REG_LVT_TMR) = LVT_PERIODIC | VEC_TIMER;
    *reg(REG_TMR_INIT) = count_for(1000000000ull / prof_timer_hz());
}

/* Did the program execute `hlt`? It leaves the vCPU halted until this
 * interrupt, which then returns right after an 0xF4 byte. To avoid taking an
 * instruction that merely ends in 0xF4 (an imm8/disp8 of -12) for a hlt, the
 * byte before must be one that ends a call/jmp rel32 near the program
 * (0x00/0xFF), a ret (an out-of-line crash block), a nop, int3 padding or
 * another hlt. */
static bool after_hlt(uint64_t rip)
{
    if (!mm_user_ok(rip - 2, 2))
        return false;
    const uint8_t *p = (const uint8_t *)rip;
    uint8_t b = p[-2];
    return p[-1] == 0xf4 &&
           (b == 0x00 || b == 0xff || b == 0xc3 || b == 0x90 || b == 0xcc || b == 0xf4);
}

void lapic_timer_irq(struct trapframe *tf)
{
    struct cpu *c = this_cpu();
    c->ticks++;
    lapic_eoi();
    prof_timer(tf);
    if (is_user_addr(tf->rip) && after_hlt(tf->rip)) {
        kprintf("trap: the program executed hlt at %lx\n", tf->rip - 1);
        tf->rip--;
        tf->vector = 13;
        sig_fault(tf, SIGSEGV, SI_KERNEL, 0);
    }
    /* the scheduler keeps its TICK_HZ when the timer runs faster for the
     * profiler */
    if (c->ticks % (prof_timer_hz() / TICK_HZ) != 0)
        return;
    if (is_user_addr(tf->rip)) {
        /* a program that computes without system calls still gets the
         * signals the launcher is sent, at the next tick */
        sig_poll();
        sched_tick(tf);         /* may switch: the preempted path delivers */
        if (sig_ready())
            sig_deliver_pending(tf);
    } else {
        /* in kernel code: a thread that makes system calls back to back is
         * preempted when the call ends, not never */
        c->need_resched = true;
    }
}

#define REG_ID       0x020
#define REG_ICR_LO   0x300
#define REG_ICR_HI   0x310
#define ICR_PENDING  (1u << 12)

uint32_t lapic_id(void)
{
    return *reg(REG_ID) >> 24;
}

/* Write the ICR and wait until the LAPIC has sent it. */
void lapic_icr(uint32_t dest, uint32_t lo)
{
    *reg(REG_ICR_HI) = dest << 24;
    *reg(REG_ICR_LO) = lo;
    while (*reg(REG_ICR_LO) & ICR_PENDING)
        cpu_pause();
}

/* Start this vCPU's tick with the boot vCPU's calibration. */
void lapic_start_ap(void)
{
    lapic_init();
    lapic_resume_tick();
}
