/* signal.c - the program's signal state (actions, mask, pending set,
 * alternate stack), kill/tkill/tgkill aimed at itself, and delivery through
 * Linux's rt_sigframe/ucontext with rt_sigreturn. */
#include "kern.h"
#include "x86.h"

#define NSIG          64
#define SIGKILL       9
#define SIGSEGV       11
#define SIGSTOP       19
#define SIG_DFL       0
#define SIG_IGN       1
#define SA_ONSTACK    0x08000000ull
#define SA_RESTORER   0x04000000ull
#define SA_NODEFER    0x40000000ull
#define SA_RESETHAND  0x80000000ull
#define SS_ONSTACK    1
#define SS_DISABLE    2
#define MINSIGSTKSZ   2048
#define SI_USER       0
#define SA_RESTART    0x10000000
#define SI_KERNEL     0x80
#define SIGALRM       14
#define ITIMER_REAL   0
#define NSEC_PER_SEC  1000000000ll
#define SI_TKILL      (-6)
#define FIX_EFLAGS    0x254dd5ull     /* flags a signal handler may change */
#define UNBLOCKABLE   (bit(SIGKILL) | bit(SIGSTOP))

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

struct k_stack {
    uint64_t sp;
    int32_t flags, pad;
    uint64_t size;
};

struct k_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate;
    uint64_t reserved[8];
};

struct k_ucontext {
    uint64_t flags, link;
    struct k_stack stack;
    struct k_sigcontext mc;
    uint64_t sigmask;
};

struct k_siginfo {
    int32_t signo, errno_, code, pad;
    union {
        struct { int32_t pid, uid; } kill;
        uint64_t addr;
        uint8_t bytes[112];
    } u;
};

struct rt_sigframe {
    uint64_t pretcode;
    struct k_ucontext uc;
    struct k_siginfo info;
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext");
_Static_assert(offsetof(struct k_ucontext, sigmask) == 296, "ucontext");
_Static_assert(sizeof(struct k_siginfo) == 128, "siginfo");

static struct k_sigaction actions[NSIG + 1];
uint64_t sig_proc_pending;
static int pending_code[NSIG + 1];
static struct k_stack altstack = { 0, SS_DISABLE, 0, 0 };

static inline uint64_t bit(int sig)
{
    return 1ull << (sig - 1);
}

void sig_init(void)
{
    sig_blocked = sig_pending = sig_proc_pending = 0;
}

static bool default_ignores(int sig)
{
    return sig == 17 || sig == 18 || sig == 23 || sig == 28 ||    /* CHLD CONT URG WINCH */
           (sig >= 19 && sig <= 22);        /* stop signals: no job control here */
}

static bool ignored(int sig)
{
    uint64_t h = actions[sig].handler;
    return h == SIG_IGN || (h == SIG_DFL && default_ignores(sig));
}

void sig_raise(int sig, int code)
{
    if (ignored(sig) && !(sig_blocked & bit(sig)))
        return;
    sig_pending |= bit(sig);
    pending_code[sig] = code;
    dlog(SIG, "sig: %d raised, %s\n", sig, sig_blocked & bit(sig) ? "blocked" : "pending");
}

/* tkill/tgkill: make sig pending for thread tid (its own pending set) and
 * interrupt a blocking call it is in. */
static long raise_thread(int32_t tid, int sig, int code)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (tid == sched_tid()) {
        if (sig)
            sig_raise(sig, code);
        return 0;
    }
    uint64_t *pending, blocked;
    if (!sched_thread_signals(tid, &pending, &blocked))
        return -ESRCH;
    if (!sig || (ignored(sig) && !(blocked & bit(sig))))
        return 0;
    *pending |= bit(sig);
    pending_code[sig] = code;
    if (!(blocked & bit(sig)) || sched_sigwants(tid, bit(sig)))
        sched_interrupt(tid);
    return 0;
}

/* Pending for the process (every thread blocks sig): taken by the first
 * thread that unblocks it or waits for it in rt_sigtimedwait. */
static void raise_process(int sig, int code)
{
    if (ignored(sig))
        return;
    sig_proc_pending |= bit(sig);
    pending_code[sig] = code;
    int32_t waiter = sched_sigwaiter(bit(sig));
    if (waiter)
        sched_interrupt(waiter);
}

static bool on_altstack(uint64_t sp)
{
    return !(altstack.flags & SS_DISABLE) && sp > altstack.sp && sp <= altstack.sp + altstack.size;
}

/* Build the rt_sigframe for sig on the program's stack and point tf at
 * the handler. False if the frame does not fit in mapped memory. */
static bool setup_frame(struct trapframe *tf, int sig, const struct k_siginfo *info)
{
    const struct k_sigaction *a = &actions[sig];
    uint64_t sp = tf->rsp;
    if ((a->flags & SA_ONSTACK) && !(altstack.flags & SS_DISABLE) && !on_altstack(sp))
        sp = altstack.sp + altstack.size;
    else
        sp -= 128;                                  /* the red zone */
    uint64_t fp = ALIGN_DOWN(sp - 512, 64);
    uint64_t frame = ALIGN_DOWN(fp - sizeof(struct rt_sigframe), 16) - 8;
    if (!(a->flags & SA_RESTORER) || !is_user_addr(a->handler) ||
        !mm_user_ok(frame, sp - frame))
        return false;
    __asm__ volatile("fxsave64 (%0)" : : "r"(fp) : "memory");
    struct rt_sigframe *f = (struct rt_sigframe *)frame;
    memset(f, 0, sizeof *f);
    f->pretcode = a->restorer;
    f->info = *info;
    f->uc.stack.sp = altstack.sp;
    f->uc.stack.size = altstack.size;
    f->uc.stack.flags = on_altstack(tf->rsp) ? SS_ONSTACK : altstack.flags;
    struct k_sigcontext *mc = &f->uc.mc;
    *mc = (struct k_sigcontext){
        .r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12,
        .r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi,
        .rbp = tf->rbp, .rbx = tf->rbx, .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx,
        .rsp = tf->rsp, .rip = tf->rip, .eflags = tf->rflags, .cs = SEL_KCODE,
        .ss = SEL_KDATA, .err = tf->vector < 32 ? tf->error : 0,
        .trapno = tf->vector < 32 ? tf->vector : 0, .oldmask = sig_blocked,
        .cr2 = tf->vector == 14 ? info->u.addr : 0, .fpstate = fp,
    };
    f->uc.sigmask = sig_blocked;
    struct cpu *c = this_cpu();
    if (c->sigrestore_on) {     /* after rt_sigsuspend: sigreturn puts the old mask back */
        mc->oldmask = f->uc.sigmask = c->sigrestore;
        c->sigrestore_on = false;
    }
    tf->rsp = frame;
    tf->rip = a->handler;
    tf->rdi = (uint64_t)sig;
    tf->rsi = (uint64_t)&f->info;
    tf->rdx = (uint64_t)&f->uc;
    tf->rax = 0;
    tf->rflags &= ~(RFLAGS_DF | RFLAGS_TF);
    sig_blocked |= a->mask | (a->flags & SA_NODEFER ? 0 : bit(sig));
    sig_blocked &= ~UNBLOCKABLE;
    if (a->flags & SA_RESETHAND)
        actions[sig].handler = SIG_DFL;
    dlog(SIG, "sig: %d delivered to %lx, frame %lx\n", sig, a->handler, frame);
    return true;
}

bool sig_deliver_pending(struct trapframe *tf)
{
    uint64_t ready = (sig_pending | sig_proc_pending) & ~sig_blocked;
    while (ready) {
        int sig = __builtin_ctzll(ready) + 1;
        sig_pending &= ~bit(sig);
        sig_proc_pending &= ~bit(sig);
        ready &= ~bit(sig);
        if (ignored(sig))
            continue;
        if (actions[sig].handler == SIG_DFL)
            trap_program_dies(tf, sig, -1, 0);
        struct k_siginfo info = { .signo = sig, .code = pending_code[sig] };
        info.u.kill.pid = k_boot->pid;
        info.u.kill.uid = k_boot->uid;
        if (!setup_frame(tf, sig, &info))
            trap_program_dies(tf, SIGSEGV, -1, 0);
        return true;
    }
    struct cpu *c = this_cpu();
    if (c->sigrestore_on) {     /* rt_sigsuspend ended by a signal no handler took */
        sig_blocked = c->sigrestore;
        c->sigrestore_on = false;
    }
    return false;
}

bool sig_restarts(void)
{
    uint64_t ready = (sig_pending | sig_proc_pending) & ~sig_blocked;
    while (ready) {
        int sig = __builtin_ctzll(ready) + 1;
        ready &= ~bit(sig);
        if (ignored(sig))
            continue;
        return actions[sig].handler == SIG_DFL || (actions[sig].flags & SA_RESTART);
    }
    return true;
}

void sig_fault(struct trapframe *tf, int sig, int code, uint64_t addr)
{
    const struct k_sigaction *a = &actions[sig];
    int vector = tf->vector < 32 ? (int)tf->vector : -1;
    if (a->handler == SIG_DFL || a->handler == SIG_IGN || (sig_blocked & bit(sig)))
        trap_program_dies(tf, sig, vector, addr);
    struct k_siginfo info = { .signo = sig, .code = code };
    info.u.addr = addr;
    if (!setup_frame(tf, sig, &info))
        trap_program_dies(tf, sig, vector, addr);
}

long sys_rt_sigaction(struct trapframe *tf)
{
    int sig = (int)tf->rdi;
    uint64_t act = tf->rsi, oact = tf->rdx;
    if (tf->r10 != 8 || sig < 1 || sig > NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
        return -EINVAL;
    if ((act && !mm_user_ok(act, sizeof(struct k_sigaction))) ||
        (oact && !mm_user_ok(oact, sizeof(struct k_sigaction))))
        return -EFAULT;
    struct k_sigaction old = actions[sig];
    if (act) {
        actions[sig] = *(const struct k_sigaction *)act;
        actions[sig].mask &= ~UNBLOCKABLE;
        if (ignored(sig)) {
            sig_pending &= ~bit(sig);
            sig_proc_pending &= ~bit(sig);
        }
    }
    if (oact)
        *(struct k_sigaction *)oact = old;
    return 0;
}

long sys_rt_sigprocmask(struct trapframe *tf)
{
    uint64_t how = tf->rdi, set = tf->rsi, oset = tf->rdx;
    if (tf->r10 != 8)
        return -EINVAL;
    if ((set && !mm_user_ok(set, 8)) || (oset && !mm_user_ok(oset, 8)))
        return -EFAULT;
    uint64_t old = sig_blocked;
    if (set) {
        uint64_t s = *(const uint64_t *)set;
        switch (how) {
        case 0: sig_blocked |= s; break;
        case 1: sig_blocked &= ~s; break;
        case 2: sig_blocked = s; break;
        default: return -EINVAL;
        }
        sig_blocked &= ~UNBLOCKABLE;
    }
    if (oset)
        *(uint64_t *)oset = old;
    return 0;
}

long sys_rt_sigreturn(struct trapframe *tf)
{
    uint64_t ucp = tf->rsp;
    if (!mm_user_ok(ucp, sizeof(struct k_ucontext)))
        trap_program_dies(tf, SIGSEGV, -1, 0);
    const struct k_ucontext *uc = (const struct k_ucontext *)ucp;
    const struct k_sigcontext *mc = &uc->mc;
    if (!is_user_addr(mc->rip))     /* iretq to it would fault in the kernel */
        trap_program_dies(tf, SIGSEGV, -1, 0);
    tf->r8 = mc->r8; tf->r9 = mc->r9; tf->r10 = mc->r10; tf->r11 = mc->r11;
    tf->r12 = mc->r12; tf->r13 = mc->r13; tf->r14 = mc->r14; tf->r15 = mc->r15;
    tf->rdi = mc->rdi; tf->rsi = mc->rsi; tf->rbp = mc->rbp; tf->rbx = mc->rbx;
    tf->rdx = mc->rdx; tf->rcx = mc->rcx; tf->rsp = mc->rsp; tf->rip = mc->rip;
    tf->rflags = (mc->eflags & FIX_EFLAGS) | RFLAGS_IF | 0x2;
    tf->cs = SEL_KCODE;
    tf->ss = SEL_KDATA;
    if (mc->fpstate && !(mc->fpstate & 15) && mm_user_ok(mc->fpstate, 512))
        __asm__ volatile("fxrstor64 (%0)" : : "r"(mc->fpstate) : "memory");
    sig_blocked = uc->sigmask & ~UNBLOCKABLE;
    return (long)mc->rax;
}

long sys_sigaltstack(struct trapframe *tf)
{
    uint64_t ss = tf->rdi, oss = tf->rsi;
    if ((ss && !mm_user_ok(ss, sizeof(struct k_stack))) ||
        (oss && !mm_user_ok(oss, sizeof(struct k_stack))))
        return -EFAULT;
    struct k_stack old = altstack;
    if (on_altstack(tf->rsp))
        old.flags = SS_ONSTACK;
    if (ss) {
        const struct k_stack *n = (const struct k_stack *)ss;
        if (on_altstack(tf->rsp))
            return -EPERM;
        if (n->flags & SS_DISABLE) {
            altstack = (struct k_stack){ 0, SS_DISABLE, 0, 0 };
        } else if (n->flags & ~SS_ONSTACK) {
            return -EINVAL;
        } else {
            if (n->size < MINSIGSTKSZ)
                return -ENOMEM;
            altstack = (struct k_stack){ n->sp, 0, 0, n->size };
        }
    }
    if (oss)
        *(struct k_stack *)oss = old;
    return 0;
}

/* kill(getpid()): a process-directed signal goes to the current thread,
 * or, if it blocks the signal, to a thread that does not (as Linux picks
 * one). */
static long raise_self(int sig, int code)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (!sig)
        return 0;
    if (!(sig_blocked & bit(sig))) {
        sig_raise(sig, code);
        return 0;
    }
    int32_t other = sched_tid_unblocking(bit(sig));
    if (other)
        return raise_thread(other, sig, code);
    /* every thread blocks it: pending for the process */
    raise_process(sig, code);
    return 0;
}

/* A signal from outside the program (sent to the launcher, or the real-time
 * interval timer), as kill(pid, sig) from another process: to the current
 * thread if it does not block sig (and out of any wait it is in: the
 * schedule loop may be running on its behalf), else to a thread that does
 * not, else pending for the process. */
static void sig_external(int sig, int code)
{
    if (sched_in_thread() && !(sig_blocked & bit(sig))) {
        if (ignored(sig))
            return;
        sig_raise(sig, code);
        sched_interrupt(sched_tid());
        return;
    }
    int32_t other = sched_tid_unblocking(bit(sig));
    if (other) {
        raise_thread(other, sig, code);
        return;
    }
    raise_process(sig, code);
}

/* ITIMER_REAL (setitimer, alarm): CLOCK_MONOTONIC ns; deadline 0 = disarmed. */
static int64_t itimer_deadline, itimer_interval;

uint64_t sig_poll(void)
{
    if (k_boot && __atomic_load_n(&k_boot->host_sigpending, __ATOMIC_RELAXED)) {
        uint64_t set = __atomic_exchange_n(&k_boot->host_sigpending, 0, __ATOMIC_ACQ_REL);
        for (int sig = 1; sig <= NSIG; sig++)
            if (set & bit(sig)) {
                kprintf("signal: SIG%d sent to the launcher, raised in the program\n", sig);
                sig_external(sig, SI_USER);
            }
    }
    if (!itimer_deadline)
        return UINT64_MAX;
    int64_t now = time_monotonic_ns();
    if (now >= itimer_deadline) {
        if (!itimer_interval)
            itimer_deadline = 0;
        else if ((itimer_deadline += itimer_interval) <= now)
            itimer_deadline = now + itimer_interval;   /* far behind: no burst */
        sig_external(SIGALRM, SI_KERNEL);
        if (!itimer_deadline)
            return UINT64_MAX;
    }
    return (uint64_t)(itimer_deadline - now);
}

/* struct itimerval {it_interval, it_value} of timevals, from the timer. */
static void itimer_read(uint64_t uit)
{
    int64_t *v = (int64_t *)uit;
    int64_t left = 0;
    if (itimer_deadline) {
        left = itimer_deadline - time_monotonic_ns();
        if (left < 1000)
            left = 1000;        /* due, not yet raised: still armed */
    }
    v[0] = itimer_interval / NSEC_PER_SEC;
    v[1] = itimer_interval % NSEC_PER_SEC / 1000;
    v[2] = left / NSEC_PER_SEC;
    v[3] = left % NSEC_PER_SEC / 1000;
}

long sys_getitimer(struct trapframe *tf)
{
    if (tf->rdi != ITIMER_REAL)
        return tf->rdi <= 2 ? -ENOSYS : -EINVAL;
    if (!mm_user_ok(tf->rsi, 32))
        return -EFAULT;
    itimer_read(tf->rsi);
    return 0;
}

long sys_setitimer(struct trapframe *tf)
{
    uint64_t unew = tf->rsi, uold = tf->rdx;
    if (tf->rdi != ITIMER_REAL)
        return tf->rdi <= 2 ? -ENOSYS : -EINVAL;
    if ((unew && !mm_user_ok(unew, 32)) || (uold && !mm_user_ok(uold, 32)))
        return -EFAULT;
    int64_t iv = 0, val = 0;
    if (unew) {
        const int64_t *v = (const int64_t *)unew;
        if (v[0] < 0 || v[1] < 0 || v[1] >= 1000000 || v[2] < 0 || v[3] < 0 || v[3] >= 1000000)
            return -EINVAL;
        iv = v[0] * NSEC_PER_SEC + v[1] * 1000;
        val = v[2] * NSEC_PER_SEC + v[3] * 1000;
    }
    if (uold)
        itimer_read(uold);
    itimer_interval = iv;
    itimer_deadline = val ? time_monotonic_ns() + val : 0;
    return 0;
}

long sys_alarm(struct trapframe *tf)
{
    int64_t now = time_monotonic_ns(), old = itimer_deadline;
    uint32_t secs = (uint32_t)tf->rdi;
    itimer_interval = 0;
    itimer_deadline = secs ? now + (int64_t)secs * NSEC_PER_SEC : 0;
    if (!old)
        return 0;
    /* what was left, in seconds as Linux rounds it: to the nearest, and a
     * pending alarm is at least 1 */
    int64_t left = old > now ? old - now : 1000;
    int64_t s = left / NSEC_PER_SEC, us = left % NSEC_PER_SEC / 1000;
    return s + ((!s && us) || us >= 500000);
}

/* pause(): until a signal's handler has run (or it ends the program). */
long sys_pause(struct trapframe *tf)
{
    (void)tf;
    while (!sig_ready())
        sched_wait_signal(0, 0);
    return -EINTR;
}

/* rt_sigsuspend(mask, 8): wait with mask in place; the handler of the signal
 * that ends the wait runs with it too, and its sigreturn puts the old mask
 * back (setup_frame). Always -EINTR. */
long sys_rt_sigsuspend(struct trapframe *tf)
{
    if (tf->rsi != 8)
        return -EINVAL;
    if (!mm_user_ok(tf->rdi, 8))
        return -EFAULT;
    uint64_t old = sig_blocked;
    sig_blocked = *(const uint64_t *)tf->rdi & ~UNBLOCKABLE;
    while (!sig_ready())
        sched_wait_signal(0, 0);
    struct cpu *c = this_cpu();
    c->sigrestore = old;
    c->sigrestore_on = true;
    return -EINTR;
}

/* rt_sigtimedwait(set, info, timeout, 8): take a pending signal of set
 * (normally blocked) without running its handler: its number, and its
 * siginfo in info. -EAGAIN when timeout passes first, -EINTR when a signal
 * outside set is delivered meanwhile. */
long sys_rt_sigtimedwait(struct trapframe *tf)
{
    uint64_t uset = tf->rdi, uinfo = tf->rsi, uts = tf->rdx;
    if (tf->r10 != 8)
        return -EINVAL;
    if (!mm_user_ok(uset, 8) || (uinfo && !mm_user_ok(uinfo, sizeof(struct k_siginfo))) ||
        (uts && !mm_user_ok(uts, 16)))
        return -EFAULT;
    uint64_t want = *(const uint64_t *)uset & ~UNBLOCKABLE;
    int64_t deadline = 0, ns = -1;
    if (uts) {
        ns = timespec_ns(uts);
        if (ns < 0)
            return -EINVAL;
        deadline = time_monotonic_ns() + ns;
    }
    for (;;) {
        uint64_t mine = sig_pending & want, proc = sig_proc_pending & want;
        if (mine | proc) {
            int sig = __builtin_ctzll(mine ? mine : proc) + 1;
            if (mine)
                sig_pending &= ~bit(sig);
            else
                sig_proc_pending &= ~bit(sig);
            if (uinfo) {
                struct k_siginfo info = { .signo = sig, .code = pending_code[sig] };
                info.u.kill.pid = k_boot->pid;
                info.u.kill.uid = k_boot->uid;
                *(struct k_siginfo *)uinfo = info;
            }
            return sig;
        }
        if (ns == 0)
            return -EAGAIN;
        if (sig_ready())
            return -EINTR;
        if (sched_wait_signal(want, deadline) == -ETIMEDOUT)
            return -EAGAIN;
    }
}

long sys_kill(struct trapframe *tf)
{
    if ((int32_t)tf->rdi == k_boot->pid)
        return raise_self((int)tf->rsi, SI_USER);
    int64_t arg[6] = { (int64_t)tf->rdi, (int64_t)tf->rsi };
    return fwd_syscall(62, arg, tf->rip);
}

long sys_tkill(struct trapframe *tf)
{
    if ((int32_t)tf->rdi <= 0)
        return -EINVAL;
    return raise_thread((int32_t)tf->rdi, (int)tf->rsi, SI_TKILL);
}

long sys_tgkill(struct trapframe *tf)
{
    if ((int32_t)tf->rdi <= 0 || (int32_t)tf->rsi <= 0)
        return -EINVAL;
    if ((int32_t)tf->rdi != k_boot->pid)
        return -ESRCH;
    return raise_thread((int32_t)tf->rsi, (int)tf->rdx, SI_TKILL);
}

long sys_rt_sigpending(struct trapframe *tf)
{
    if (tf->rsi > 8)
        return -EINVAL;
    if (!mm_user_ok(tf->rdi, tf->rsi))
        return -EFAULT;
    uint64_t set = (sig_pending | sig_proc_pending) & sig_blocked;
    memcpy((void *)tf->rdi, &set, tf->rsi);
    return 0;
}
