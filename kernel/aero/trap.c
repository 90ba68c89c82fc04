/* trap.c - exceptions and interrupts: faults in program code become Linux
 * signals, faults in kernel code panic. */
#include "kern.h"
#include "x86.h"

#define SIGILL  4
#define SIGTRAP 5
#define SIGBUS  7
#define SIGFPE  8
#define SIGSEGV 11

static const char *const names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved 15", "x87 error", "alignment check", "machine check",
    "SIMD error", "virtualization", "control protection",
};

/* Linux signal and si_code for an exception in program code; 0 if none. */
static int signal_for(uint64_t vec, int *code)
{
    switch (vec) {
    case 0: *code = 1; return SIGFPE;                   /* FPE_INTDIV */
    case 1: case 3: *code = 1; return SIGTRAP;          /* TRAP_BRKPT */
    case 4: case 5: *code = 0x80; return SIGSEGV;       /* SI_KERNEL */
    case 6: *code = 2; return SIGILL;                   /* ILL_ILLOPN */
    case 12: *code = 0x80; return SIGBUS;
    case 11: case 13: *code = 0x80; return SIGSEGV;
    case 14: *code = 1; return SIGSEGV;                 /* SEGV_MAPERR */
    case 16: case 19: *code = 0; return SIGFPE;
    case 17: *code = 1; return SIGBUS;                  /* BUS_ADRALN */
    default: return 0;
    }
}

_Noreturn void trap_program_dies(struct trapframe *tf, int sig, int vector, uint64_t addr)
{
    cli();
    struct mv_report *rep = (struct mv_report *)(KVIRT + MV_REPORT_ADDR);
    memset(rep, 0, sizeof *rep);
    rep->signal = sig;
    rep->vector = vector;
    rep->tid = sched_tid();
    rep->rip = tf->rip;
    rep->addr = addr;
    rep->error_code = vector >= 0 ? tf->error : 0;
    rep->rsp = tf->rsp;
    panic_frames(rep, tf->rip, tf->rsp, tf->rbp, true);
    kprintf("trap: program killed by signal %d (vector %d) in thread %d at rip %lx addr %lx "
            "rsp %lx\n", sig, vector, rep->tid, tf->rip, addr, tf->rsp);
    for (unsigned i = 0; i < rep->nframes; i++)
        kprintf("  #%u %lx\n", i + 1, rep->frames[i]);
    wb_flush_final();           /* what the program wrote reaches its files */
    fwd_post_final(MV_REQ_FAULT, NULL);
    k_halt();
}

static void trap_handle_locked(struct trapframe *tf);

void trap_handle(struct trapframe *tf)
{
    bool took = k_lock();
    trap_handle_locked(tf);
    if (took)
        k_unlock();
}

static void trap_handle_locked(struct trapframe *tf)
{
    uint64_t vec = tf->vector;
    if (vec == VEC_TIMER) {
        lapic_timer_irq(tf);
        return;
    }
    if (vec == VEC_SPURIOUS)
        return;
    if (vec == VEC_WAKE) {      /* an idle vCPU has work: the idle loop looks */
        lapic_eoi();
        return;
    }
    if (vec >= 32) {
        /* only the timer and spurious vectors are wired: anything else is
         * an `int n`, which Linux answers with #GP, i.e. SIGSEGV */
        kprintf("trap: unexpected interrupt %lu at %lx\n", vec, tf->rip);
        if (is_user_addr(tf->rip)) {
            tf->rip -= 2;
            tf->vector = 13;
            sig_fault(tf, SIGSEGV, 0x80, 0);
        }
        return;
    }
    if (vec == 2) {
        kprintf("trap: NMI at %lx\n", tf->rip);
        return;
    }
    const char *what = names[vec] ? names[vec] : "exception";
    int code = 0, sig = signal_for(vec, &code);
    if (!is_user_addr(tf->rip) || !sig)
        panic_trap(tf, what);
    uint64_t addr = vec == 14 ? read_cr2() : tf->rip;
    dlog(TRAP, "trap: %s in program at %lx (addr %lx, error %lx)\n", what, tf->rip, addr,
         tf->error);
    sig_fault(tf, sig, code, vec == 13 || vec == 11 || vec == 12 ? 0 : addr);
}
