/* syscall.c - system-call dispatch through a table generated from
 * mv_syscalls.h: OWN calls run natively, OPT calls natively when placement
 * says so, everything else is forwarded to the partner. */
#include "kern.h"

enum { CLS_FWD, CLS_OWN, CLS_OPT, CLS_OPTF };
typedef long (*sys_fn)(struct trapframe *);

/* generated from mv_syscalls.h: a prototype for every native call */
#define SYS_DECL_OWN(name) long sys_##name(struct trapframe *);
#define SYS_DECL_OPT(name) long sys_##name(struct trapframe *);
#define SYS_DECL_OPTF(name) long sys_##name(struct trapframe *);
#define SYS_DECL_FWD(name)
#define MV_SYSCALL(nr, name, cls, ...) SYS_DECL_##cls(name)
#include "mv_syscalls.h"
#undef MV_SYSCALL

#define SYS_FN_OWN(name) sys_##name
#define SYS_FN_OPT(name) sys_##name
#define SYS_FN_OPTF(name) sys_##name
#define SYS_FN_FWD(name) 0

/* generated from mv_syscalls.h: the dispatch table */
static const struct sysent {
    sys_fn fn;
    uint8_t cls;
    const char *name;
} systab[MV_MAX_SYSCALLS] = {
#define MV_SYSCALL(nr, name, cls, ...) [nr] = { SYS_FN_##cls(name), CLS_##cls, #name },
#include "mv_syscalls.h"
#undef MV_SYSCALL
};

#define NR_RT_SIGRETURN 15
#define EPIPE           32
#define SIGPIPE         13
#define MSG_NOSIGNAL    0x4000

/* Linux raises SIGPIPE when these fail with EPIPE (a broken pipe or socket),
 * unless a send* call passed MSG_NOSIGNAL. The program's disposition lives
 * here, so the kernel raises it, not the partner. */
static bool raises_sigpipe(uint64_t nr, const struct trapframe *tf)
{
    switch (nr) {
    case 1: case 18: case 20: case 40: case 275: case 296: case 326:
        return true;            /* write pwrite64 writev sendfile splice pwritev copy_file_range */
    case 44:                    /* sendto */
        return !(tf->r10 & MSG_NOSIGNAL);
    case 46:                    /* sendmsg */
        return !(tf->rdx & MSG_NOSIGNAL);
    default:
        return false;
    }
}

static bool native(uint64_t nr, const struct sysent *e)
{
    if (!e->fn)
        return false;
    return e->cls == CLS_OWN || (k_boot->native_map[nr / 8] & (1u << (nr % 8)));
}

/* From entry.S: the dispatcher under the kernel lock (SMP). */
int sys_enter(struct trapframe *tf)
{
    k_lock();
    sched_poll_fwd();
    int r = sys_entry(tf);
    k_unlock();
    return r;
}

__attribute__((noinline)) int sys_entry(struct trapframe *tf)
{
    uint64_t nr = tf->rax;
    const struct sysent *e = nr < MV_MAX_SYSCALLS ? &systab[nr] : NULL;
    long ret;
    if (e && native(nr, e)) {
        if (prof_on)
            prof_native(nr);
        ret = e->fn(tf);
        if (k_boot->flags & MV_BOOT_TRACE)
            kprintf("[hrt] %s(0x%lx, 0x%lx, 0x%lx, 0x%lx) = %ld (native)\n", e->name, tf->rdi,
                    tf->rsi, tf->rdx, tf->r10, ret);
    } else {
        int64_t arg[6] = { (int64_t)tf->rdi, (int64_t)tf->rsi, (int64_t)tf->rdx,
                           (int64_t)tf->r10, (int64_t)tf->r8, (int64_t)tf->r9 };
        ret = fwd_syscall((int64_t)nr, arg, tf->rip);
        if (ret == -EPIPE && raises_sigpipe(nr, tf))
            sig_raise(SIGPIPE, 0);
    }
    if (ret == -ERESTARTSYS) {
        /* interrupted by a signal: as Linux, the call starts again after a
         * handler installed with SA_RESTART (musl's cancellation handler is,
         * and relies on rip pointing at the syscall instruction) or when no
         * handler runs; after any other handler it fails with EINTR */
        if (sig_ready() && sig_restarts()) {
            tf->rip -= 2;
            ret = (long)nr;
        } else {
            ret = -EINTR;
        }
    }
    tf->rax = (uint64_t)ret;
    if (this_cpu()->need_resched)
        sched_resched();        /* a tick during the call: another thread's turn */
    if (nr == NR_RT_SIGRETURN) {
        sig_deliver_pending(tf);
        return 1;
    }
    /* as after a real syscall: rcx = return address, r11 = flags */
    tf->rcx = tf->rip;
    tf->r11 = tf->rflags;
    if (sig_ready())
        sig_deliver_pending(tf);
    return 0;
}
