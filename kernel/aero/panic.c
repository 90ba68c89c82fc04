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

static bool kframe_ok(uint64_t rbp, uint64_t prev)
{
    return !(rbp & 7) && rbp > prev && rbp >= (uint64_t)__kernel_start &&
           rbp + 16 <= (uint64_t)__kernel_end;
}

/* Kernel code always keeps frame pointers: follow the chain. */
static unsigned kernel_frames(uint64_t *out, uint64_t rbp)
{
    unsigned n = 0;
    uint64_t prev = 0;
    while (n < MV_MAX_FRAMES && kframe_ok(rbp, prev)) {
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (is_user_addr(ret))
            break;
        out[n++] = ret;
        prev = rbp;
        rbp = ((uint64_t *)rbp)[0];
    }
    return n;
}

#define CALLEE_MAX 0x4000   /* how far into its callee a frame's pc may be */

static bool in_image(uint64_t a)
{
    return a >= k_boot->region_base + 8 && a < k_boot->brk_start;
}

static bool can_hold(uint64_t target, uint64_t pc)
{
    return target <= pc && pc - target < CALLEE_MAX;
}

/* A function that begins with a jump (musl's __syscall_cp tail-calls
 * __syscall_cp_c): where the jump goes, or 0. */
static uint64_t jump_target(uint64_t f)
{
    if (!in_image(f) || !in_image(f + 5))
        return 0;
    const uint8_t *p = (const uint8_t *)f;
    if (p[0] == 0xeb)
        return f + 2 + (uint64_t)(int64_t)(int8_t)p[1];
    if (p[0] != 0xe9)
        return 0;
    int32_t rel;
    memcpy(&rel, p + 1, 4);
    return f + 5 + (uint64_t)(int64_t)rel;
}

bool unwind_call_before(uint64_t ret, uint64_t pc, bool strict)
{
    if (!in_image(ret))
        return false;
    const uint8_t *p = (const uint8_t *)ret;
    if (p[-5] == 0xe8) {
        int32_t rel;
        memcpy(&rel, p - 4, 4);
        uint64_t target = ret + (uint64_t)(int64_t)rel;
        return !strict || can_hold(target, pc) || can_hold(jump_target(target), pc);
    }
    return (p[-2] == 0xff && (p[-1] & 0xf8) == 0xd0) ||          /* call *%reg */
           (p[-3] == 0xff && (p[-2] & 0xf8) == 0x50) ||          /* call *d8(%reg) */
           (p[-6] == 0xff && (p[-5] == 0x15 || (p[-5] & 0xf8) == 0x90)); /* d32 */
}

/* The program's return addresses, innermost first. Program code mixes
 * functions with frame pointers (the program's) and without (musl's), so
 * take a frame-pointer step when the saved return address is a call whose
 * target can hold pc, and otherwise scan the stack upwards for the next
 * such return address (a weaker match if no direct call fits). */
static unsigned user_frames(uint64_t *out, uint64_t pc, uint64_t sp, uint64_t rbp)
{
    unsigned n = 0;
    uint64_t top = k_boot->stack_top;
    if (sp < k_boot->stack_low && sp >= k_boot->stack_low - MV_STACK_GUARD)
        sp = k_boot->stack_low;             /* overflowed into the guard */
    if (!mm_user_ok(sp, 8) || sp >= top)
        return 0;
    uint64_t limit = sp + 0x10000 < top ? sp + 0x10000 : top;
    while (n < MV_MAX_FRAMES) {
        if (!(rbp & 7) && rbp >= sp && rbp + 16 <= top && mm_user_ok(rbp, 16) &&
            unwind_call_before(((uint64_t *)rbp)[1], pc, true)) {
            pc = out[n++] = ((uint64_t *)rbp)[1];
            sp = rbp + 16;
            rbp = ((uint64_t *)rbp)[0];
            continue;
        }
        uint64_t s, found = 0;
        for (int strict = 1; strict >= 0 && !found; strict--)
            for (s = ALIGN_UP(sp, 8); s + 8 <= limit && !found; s += 8)
                if (mm_user_ok(s, 8) && unwind_call_before(*(uint64_t *)s, pc, strict))
                    found = s;
        if (!found)
            break;
        pc = out[n++] = *(uint64_t *)found;
        sp = found + 8;
    }
    return n;
}

void panic_frames(struct mv_report *rep, uint64_t rip, uint64_t rsp, uint64_t rbp, bool user)
{
    rep->nframes = user ? user_frames(rep->frames, rip, rsp, rbp) : kernel_frames(rep->frames, rbp);
}

static _Noreturn void finish(struct mv_report *rep)
{
    kprintf("PANIC: %s\n", rep->text);
    kprintf("  #0 %lx\n", rep->rip);
    for (unsigned i = 0; i < rep->nframes; i++)
        kprintf("  #%u %lx\n", i + 1, rep->frames[i]);
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
    rep->rip = fp[1];
    panic_frames(rep, 0, 0, fp[0], false);
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
    panic_frames(rep, tf->rip, tf->rsp, tf->rbp, false);
    finish(rep);
}
