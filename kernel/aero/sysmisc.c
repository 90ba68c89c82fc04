/* sysmisc.c - small native calls: process identity, exit, uname, TLS,
 * the end of the run, and the calls not supported. */
#include "kern.h"
#include "x86.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

_Noreturn void k_exit_run(int status)
{
    int64_t arg[6] = { status & 0xff };
    kprintf("aerokernel: program exited with status %d\n", status & 0xff);
    fwd_log_stats();
    sched_log_stats();
    fwd_post_final(MV_REQ_EXIT, arg);
    k_halt();
}

long sys_getpid(struct trapframe *tf)
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

static long unsupported(struct trapframe *tf)
{
    fwd_nosys_note((int64_t)tf->rax);
    return -ENOSYS;
}

long sys_fork(struct trapframe *tf) { return unsupported(tf); }
long sys_vfork(struct trapframe *tf) { return unsupported(tf); }
long sys_execve(struct trapframe *tf) { return unsupported(tf); }
