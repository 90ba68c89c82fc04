/* panic.c - kernel panics: log the message and a frame-pointer backtrace,
 * fill the report, post MV_REQ_PANIC, halt. Also walks program stacks. */
#include "kern.h"
#include "x86.h"

extern char __kernel_start[], __kernel_end[];

static struct mv_report *report(void)
{
    return (struct mv_report *)(KVIRT + MV_REPORT_ADDR);
}

_Noreturn void k_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

static bool frame_ok(uint64_t rbp, uint64_t prev, bool user)
{
    if (rbp & 7 || rbp <= prev)
        return false;
    if (user)
        return mm_user_ok(rbp, 16);
    return rbp >= (uint64_t)__kernel_start && rbp + 16 <= (uint64_t)__kernel_end;
}

void panic_frames(struct mv_report *rep, uint64_t rip, uint64_t rbp, bool user)
{
    unsigned n = 0;
    rep->frames[n++] = rip;
    uint64_t prev = 0;
    while (n < MV_MAX_FRAMES && frame_ok(rbp, prev, user)) {
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (!ret || (user ? !is_user_addr(ret) : is_user_addr(ret)))
            break;
        rep->frames[n++] = ret;
        prev = rbp;
        rbp = ((uint64_t *)rbp)[0];
    }
    rep->nframes = n;
}

static _Noreturn void finish(struct mv_report *rep)
{
    kprintf("PANIC: %s\n", rep->text);
    for (unsigned i = 0; i < rep->nframes; i++)
        kprintf("  #%u %lx\n", i, rep->frames[i]);
    fwd_post_final(MV_REQ_PANIC, NULL);
    k_halt();
}

static bool enter_once(void)
{
    static int panicking;
    cli();
    if (panicking++) {
        kprintf("PANIC: nested panic, halting\n");
        return false;
    }
    return true;
}

_Noreturn void mv_panic(const char *fmt, ...)
{
    if (!enter_once())
        k_halt();
    struct mv_report *rep = report();
    memset(rep, 0, sizeof *rep);
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(rep->text, sizeof rep->text, fmt, ap);
    va_end(ap);
    rep->vector = -1;
    uint64_t *fp = __builtin_frame_address(0);
    panic_frames(rep, fp[1], fp[0], false);
    rep->rip = rep->frames[0];
    finish(rep);
}

_Noreturn void panic_trap(struct trapframe *tf, const char *what)
{
    if (!enter_once())
        k_halt();
    struct mv_report *rep = report();
    memset(rep, 0, sizeof *rep);
    uint64_t cr2 = read_cr2();
    ksnprintf(rep->text, sizeof rep->text,
              "%s (vector %lu, error %lx) in kernel code at rip %lx, cr2 %lx, rsp %lx",
              what, tf->vector, tf->error, tf->rip, cr2, tf->rsp);
    kprintf("  rax %lx rbx %lx rcx %lx rdx %lx\n  rsi %lx rdi %lx rbp %lx r8 %lx\n",
            tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp, tf->r8);
    rep->vector = (int32_t)tf->vector;
    rep->rip = tf->rip;
    rep->addr = cr2;
    rep->error_code = tf->error;
    rep->rsp = tf->rsp;
    panic_frames(rep, tf->rip, tf->rbp, false);
    finish(rep);
}
