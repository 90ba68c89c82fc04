/* sysmisc.c - small native calls: process identity, exit, uname, TLS,
 * robust lists, the single-thread futex, and the calls not yet supported. */
#include "kern.h"
#include "x86.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static uint64_t clear_child_tid, robust_head, robust_len;

static _Noreturn void exit_run(int status)
{
    int64_t arg[6] = { status & 0xff };
    kprintf("aerokernel: program exited with status %d\n", status & 0xff);
    fwd_log_stats();
    fwd_post_final(MV_REQ_EXIT, arg);
    k_halt();
}

long sys_exit(struct trapframe *tf)
{
    exit_run((int)tf->rdi);
}

long sys_exit_group(struct trapframe *tf)
{
    exit_run((int)tf->rdi);
}

long sys_getpid(struct trapframe *tf)
{
    (void)tf;
    return k_boot->pid;
}

long sys_gettid(struct trapframe *tf)
{
    (void)tf;
    return k_boot->pid;
}

long sys_uname(struct trapframe *tf)
{
    if (!mm_user_ok(tf->rdi, sizeof k_boot->uts))
        return -EFAULT;
    memcpy((void *)tf->rdi, k_boot->uts, sizeof k_boot->uts);
    return 0;
}

long sys_arch_prctl(struct trapframe *tf)
{
    switch (tf->rdi) {
    case ARCH_SET_FS:
        if (!is_user_addr(tf->rsi))
            return -EPERM;
        wrmsr(MSR_FS_BASE, tf->rsi);
        return 0;
    case ARCH_GET_FS:
        if (!mm_user_ok(tf->rsi, 8))
            return -EFAULT;
        *(uint64_t *)tf->rsi = rdmsr(MSR_FS_BASE);
        return 0;
    case ARCH_SET_GS:
    case ARCH_GET_GS:
        return -EINVAL;             /* GS belongs to the kernel */
    default:
        return -EINVAL;
    }
}

long sys_set_tid_address(struct trapframe *tf)
{
    clear_child_tid = tf->rdi;
    return k_boot->pid;
}

long sys_set_robust_list(struct trapframe *tf)
{
    if (tf->rsi != 24)
        return -EINVAL;
    robust_head = tf->rdi;
    robust_len = tf->rsi;
    return 0;
}

long sys_get_robust_list(struct trapframe *tf)
{
    if (tf->rdi && (int32_t)tf->rdi != k_boot->pid)
        return -ESRCH;
    if (!mm_user_ok(tf->rsi, 8) || !mm_user_ok(tf->rdx, 8))
        return -EFAULT;
    *(uint64_t *)tf->rsi = robust_head;
    *(uint64_t *)tf->rdx = robust_len;
    return 0;
}

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10

/* One thread: a wake finds no waiter; a wait either fails at once (value
 * changed), times out, or could never end (a deadlock: panic clearly). */
long sys_futex(struct trapframe *tf)
{
    int op = (int)(tf->rsi & 0x7f);
    uint64_t uaddr = tf->rdi;
    if (op == FUTEX_WAKE || op == FUTEX_WAKE_BITSET)
        return 0;
    if (op != FUTEX_WAIT && op != FUTEX_WAIT_BITSET)
        return -ENOSYS;
    if ((uaddr & 3) || !mm_user_ok(uaddr, 4))
        return -EFAULT;
    if (*(volatile uint32_t *)uaddr != (uint32_t)tf->rdx)
        return -EAGAIN;
    if (!tf->r10)
        mv_panic("futex wait on %lx (value %u) with no other thread to wake it: deadlock "
                 "(threads are not supported yet)", uaddr, (uint32_t)tf->rdx);
    if (!mm_user_ok(tf->r10, 16))
        return -EFAULT;
    const int64_t *ts = (const int64_t *)tf->r10;
    int64_t rel = ts[0] * 1000000000ll + ts[1];
    if (op == FUTEX_WAIT_BITSET)        /* absolute on CLOCK_MONOTONIC (or REALTIME) */
        rel -= time_monotonic_ns();
    int64_t end = time_monotonic_ns() + rel;
    while (time_monotonic_ns() < end)
        __asm__ volatile("sti; hlt; cli");
    return -ETIMEDOUT;
}

static long unsupported(struct trapframe *tf)
{
    fwd_nosys_note((int64_t)tf->rax);
    return -ENOSYS;
}

long sys_clone(struct trapframe *tf) { return unsupported(tf); }
long sys_fork(struct trapframe *tf) { return unsupported(tf); }
long sys_vfork(struct trapframe *tf) { return unsupported(tf); }
long sys_execve(struct trapframe *tf) { return unsupported(tf); }
