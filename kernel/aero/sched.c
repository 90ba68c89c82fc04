/* sched.c - threads: the thread table, the scheduler (round robin, preempted
 * by the LAPIC tick), clone and exit, the native futex, sleeping, yield and
 * affinity. One vCPU runs threads; kernel code runs with interrupts off, so
 * the scheduler's state needs no lock. Thread i forwards through slot
 * i % nr_slots: the first nr_slots threads each have their own slot and
 * partner; beyond that, threads sharing a slot take turns (a thread waits,
 * blocked, while another holds its slot). A thread waiting on a forwarded
 * call is blocked here while the others run. */
#include "kern.h"
#include "x86.h"

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_NEEDED         (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)

#define FUTEX_WAIT           0
#define FUTEX_WAKE           1
#define FUTEX_REQUEUE        3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE        128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_ALL_BITS       0xffffffffu

#define TIMER_ABSTIME        1
#define NSEC                 1000000000ll

enum { T_FREE, T_RUNNABLE, T_RUNNING, T_BLOCKED, T_DEAD, T_IDLE };
enum { W_NONE, W_FUTEX, W_SLEEP, W_FWD, W_SLOT, W_SIG };
enum { WOKEN, TIMED_OUT, INTERRUPTED };

struct thread {
    uint8_t fpu[1024] __attribute__((aligned(64)));   /* xsave/fxsave area */
    int state, wait, wake_reason;
    int32_t tid;
    unsigned idx;
    unsigned slot_idx;          /* idx % nr_slots */
    uint64_t ksp;               /* saved kernel rsp while switched out */
    uint64_t kstack_top;
    uint64_t fs_base;
    uint64_t clear_child_tid, robust_head, robust_len;
    uint64_t sigmask, sigpend;  /* its sig_blocked, sig_pending while not running */
    uint64_t sigwant;           /* W_SIG: blocked signals that also end the wait */
    /* while blocked */
    uint64_t futex_addr;
    uint32_t futex_bitset;
    uint64_t wait_seq;          /* FIFO order of futex waiters */
    int64_t deadline;           /* CLOCK_MONOTONIC ns; 0 = none */
    struct mv_slot *slot;       /* W_FWD: the posted slot */
};

static struct thread threads[MAX_THREADS];
static uint8_t kstack0[KSTACK_SIZE] __attribute__((aligned(16)));
static struct thread *slot_owner[MV_MAX_SLOTS];
static unsigned slot_waiters;   /* threads blocked in W_SLOT */
static unsigned fwd_waiters;    /* threads blocked in W_FWD */
static struct thread idle_of[MAX_CPUS];    /* each vCPU's idle loop (SMP only) */
static uint8_t idle0_stack[KSTACK_SIZE] __attribute__((aligned(16)));
/* the thread a vCPU runs (before `cur` names this vCPU's) */
static inline struct thread *cpu_cur(const struct cpu *c) { return c->cur; }
#define cur (this_cpu()->cur)
static unsigned used = 1, nr_slots, live;    /* entries [0, used) were ever taken */
static int32_t next_tid;
static uint64_t wait_seq;
static bool use_xsave;
static uint64_t n_switches, n_preempts;

/* entry.S */
void ctx_switch(uint64_t *save_ksp, uint64_t new_ksp);
extern char thread_first[], idle_first[];

/* ---- the kernel lock (SMP) ----
 * With one vCPU, interrupts off is the kernel's only lock. With more, one
 * big lock: taken on every entry from the program (system call, interrupt
 * or exception), released on the way back, handed over with the vCPU by
 * ctx_switch, dropped while the idle loop halts and while a forwarded call
 * spins. */
static bool smp_on;
static volatile uint32_t klock;
static volatile int klock_cpu = -1;

bool k_lock(void)
{
    if (!smp_on || klock_cpu == (int)this_cpu()->id)
        return false;
    while (__atomic_exchange_n(&klock, 1, __ATOMIC_ACQUIRE))
        while (klock)
            cpu_pause();
    klock_cpu = (int)this_cpu()->id;
    return true;
}

void k_unlock(void)
{
    if (!smp_on || klock_cpu != (int)this_cpu()->id)
        return;
    klock_cpu = -1;
    __atomic_store_n(&klock, 0, __ATOMIC_RELEASE);
}
_Noreturn void preempt_switch(struct trapframe *tf);

static void fpu_save(struct thread *t)
{
    if (use_xsave)
        __asm__ volatile("xsave64 %0" : "=m"(t->fpu) : "a"(~0u), "d"(~0u) : "memory");
    else
        __asm__ volatile("fxsave64 %0" : "=m"(t->fpu) : : "memory");
}

static void fpu_restore(struct thread *t)
{
    if (use_xsave)
        __asm__ volatile("xrstor64 %0" : : "m"(t->fpu), "a"(~0u), "d"(~0u) : "memory");
    else
        __asm__ volatile("fxrstor64 %0" : : "m"(t->fpu) : "memory");
}

void sched_init(void)
{
    use_xsave = read_cr4() & (1ull << 18);
    nr_slots = k_boot->nr_slots < MV_MAX_SLOTS ? k_boot->nr_slots : MV_MAX_SLOTS;
    if (!nr_slots)
        nr_slots = 1;
    struct thread *t = &threads[0];
    t->state = T_RUNNING;
    t->tid = k_boot->pid;
    t->idx = 0;
    t->kstack_top = (uint64_t)kstack0 + KSTACK_SIZE;
    this_cpu()->kstack_top = t->kstack_top;
    cur = t;
    live = 1;
    struct thread *idle = &idle_of[0];
    idle->state = T_IDLE;
    idle->kstack_top = (uint64_t)idle0_stack + KSTACK_SIZE;
    uint64_t *sp = (uint64_t *)idle->kstack_top;
    *--sp = (uint64_t)idle_first;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    idle->ksp = (uint64_t)sp;
    this_cpu()->idle = idle;
    next_tid = k_boot->pid + 1;
}

int32_t sched_tid(void)
{
    return cur ? cur->tid : k_boot->pid;
}

unsigned sched_slot(void)
{
    return cur ? cur->slot_idx : 0;
}

unsigned sched_live(void)
{
    return live;
}

bool sched_tid_alive(int32_t tid)
{
    for (unsigned i = 0; i < used; i++)
        if (threads[i].tid == tid && threads[i].state != T_FREE && threads[i].state != T_DEAD)
            return true;
    return false;
}

static struct thread *find(int32_t tid)
{
    for (unsigned i = 0; i < used; i++)
        if (threads[i].tid == tid && threads[i].state != T_FREE && threads[i].state != T_DEAD)
            return &threads[i];
    return NULL;
}

/* A thread became runnable: an idle vCPU (other than this one) gets an
 * IPI to come and take it. */
static void kick_idle(void)
{
    if (!smp_on)
        return;
    unsigned me = this_cpu()->id, n = k_ncpus_online();
    for (unsigned i = 0; i < n; i++)
        if (i != me && k_cpus[i].idling) {
            k_cpus[i].idling = false;
            lapic_icr(k_cpus[i].apic_id, VEC_WAKE);
            return;
        }
}

static void wake(struct thread *t, int reason)
{
    t->state = T_RUNNABLE;
    t->wait = W_NONE;
    t->wake_reason = reason;
    t->deadline = 0;
    kick_idle();
}

static bool slot_done(const struct mv_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == MV_SLOT_DONE;
}

/* Wake blocked threads whose forwarded call is done or whose deadline has
 * passed. Returns how long to wait for the next such event (ns), or
 * UINT64_MAX if only another thread's action can wake anyone. */
static uint64_t poll_waiters(void)
{
    uint64_t next = sig_poll(); /* may end a wait: before the waits are looked at */
    int64_t now = time_monotonic_ns();
    for (unsigned i = 0; i < used; i++) {
        struct thread *t = &threads[i];
        if (t->state != T_BLOCKED)
            continue;
        if (t->wait == W_FWD) {
            if (slot_done(t->slot)) {
                wake(t, WOKEN);
                continue;
            }
            if (t->slot->interrupt)     /* ring until the partner's call ends */
                outb(MV_DOORBELL_PORT, (uint8_t)t->slot_idx);
            /* poll no more often than every FWD_BACKOFF_NS, and never later
             * than a quarter of the time waited so far */
            uint64_t q = time_tsc_to_ns(rdtsc() - t->slot->t_post) / 4;
            q = q < FWD_BACKOFF_NS ? FWD_BACKOFF_NS : q > FWD_BACKOFF_MAX ? FWD_BACKOFF_MAX : q;
            if (q < next)
                next = q;
        }
        /* a wait for a signal waits on the outside world (a signal sent
         * to the launcher is seen at a wake-up): never a deadlock */
        if (t->wait == W_SIG && !t->deadline && SIG_POLL_NS < next)
            next = SIG_POLL_NS;
        if (t->deadline) {
            if (now >= t->deadline) {
                wake(t, TIMED_OUT);
                continue;
            }
            if ((uint64_t)(t->deadline - now) < next)
                next = (uint64_t)(t->deadline - now);
        }
    }
    return next;
}

/* The next runnable thread after prev in table order, or prev itself if it
 * is still runnable and nothing else is; NULL if none. */
static struct thread *pick_next(struct thread *prev)
{
    unsigned from = prev->state == T_IDLE ? this_cpu()->ticks % used : prev->idx;
    for (unsigned k = 1; k <= used; k++) {
        struct thread *t = &threads[(from + k) % used];
        if (t->state == T_RUNNABLE)
            return t;
    }
    return NULL;
}

static void switch_to(struct thread *prev, struct thread *next)
{
    n_switches++;
    if (prev->state != T_DEAD && prev->state != T_IDLE) {
        fpu_save(prev);
        prev->fs_base = rdmsr(MSR_FS_BASE);
        prev->sigmask = sig_blocked;
        prev->sigpend = sig_pending;
    }
    cur = next;
    this_cpu()->need_resched = false;   /* a new quantum */
    if (next->state != T_IDLE) {
        next->state = T_RUNNING;
        this_cpu()->kstack_top = next->kstack_top;
        wrmsr(MSR_FS_BASE, next->fs_base);
        sig_blocked = next->sigmask;
        sig_pending = next->sigpend;
        fpu_restore(next);
    }
    ctx_switch(&prev->ksp, next->ksp);
}

/* Run another thread; cur->state says what becomes of the current one
 * (RUNNABLE: yield, BLOCKED: wait, DEAD: never comes back). With nothing to
 * run, halt until the next timed event. Interrupts are off. */
static void schedule(void)
{
    struct thread *prev = cur, *next;
    bool slept = false;
    if (smp_on) {               /* never idle on a thread's stack: another
                                 * vCPU may take the thread meanwhile */
        poll_waiters();
        next = pick_next(prev);
        if (!next)
            next = this_cpu()->idle;
        if (next == prev) {
            prev->state = T_RUNNING;
            return;
        }
        switch_to(prev, next);
        return;
    }
    for (;;) {
        uint64_t wait_ns = poll_waiters();
        next = pick_next(prev);
        if (next)
            break;
        if (wait_ns == UINT64_MAX)
            mv_panic("every thread is blocked in a futex wait with no timeout and nothing can "
                     "wake them: deadlock (thread %d last)", prev->tid);
        /* at most SIG_POLL_NS: signals the launcher is sent are seen at
         * the next wake-up (as in the SMP idle loop) */
        lapic_oneshot(wait_ns < SIG_POLL_NS ? wait_ns : SIG_POLL_NS);
        slept = true;
        prof_halt();
    }
    if (slept)
        lapic_resume_tick();
    if (next == prev) {
        prev->state = T_RUNNING;
        return;
    }
    switch_to(prev, next);
}

static bool any_running(void)
{
    for (unsigned i = 0; i < used; i++)
        if (threads[i].state == T_RUNNING)
            return true;
    return false;
}

/* A vCPU's idle loop (SMP): run what is runnable, else halt until the next
 * timed event or an IPI. Entered with the kernel lock held. */
void sched_idle_loop(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        uint64_t wait_ns = poll_waiters();
        struct thread *next = pick_next(c->idle);
        if (next) {
            lapic_resume_tick();
            switch_to(c->idle, next);
            continue;
        }
        if (wait_ns == UINT64_MAX && !any_running() && live)
            mv_panic("every thread is blocked in a futex wait with no timeout and nothing can "
                     "wake them: deadlock");
        lapic_oneshot(wait_ns < SIG_POLL_NS ? wait_ns : SIG_POLL_NS);
        c->idling = true;
        k_unlock();
        prof_halt();
        k_lock();
        c->idling = false;
    }
}

/* An application processor joins: its idle thread is the flow that called
 * this (on its boot stack). */
void sched_ap_enter(void)
{
    struct cpu *c = this_cpu();
    struct thread *idle = &idle_of[c->id];
    idle->state = T_IDLE;
    c->idle = idle;
    cur = idle;
    smp_on = true;
    k_lock();
    smp_mark_online();
    sched_idle_loop();
}

/* Wait (blocked) until the current thread's slot is not held by another
 * thread, then hold it. Returns the slot index. */
unsigned sched_slot_acquire(void)
{
    unsigned i = sched_slot();
    if (!cur)
        return i;
    while (slot_owner[i] && slot_owner[i] != cur) {
        cur->state = T_BLOCKED;
        cur->wait = W_SLOT;
        cur->deadline = 0;
        slot_waiters++;
        schedule();
        slot_waiters--;
    }
    slot_owner[i] = cur;
    return i;
}

void sched_slot_release(void)
{
    unsigned i = sched_slot();
    if (!cur || slot_owner[i] != cur)
        return;
    slot_owner[i] = NULL;
    if (!slot_waiters)
        return;
    for (unsigned k = i; k < used; k += nr_slots)
        if (threads[k].state == T_BLOCKED && threads[k].wait == W_SLOT) {
            wake(&threads[k], WOKEN);
            break;
        }
}

/* Block the current thread until its posted slot is DONE. */
void sched_wait_slot(struct mv_slot *s)
{
    cur->state = T_BLOCKED;
    cur->wait = W_FWD;
    cur->slot = s;
    cur->deadline = 0;
    fwd_waiters++;
    schedule();
    fwd_waiters--;
}

/* On every system call while some thread waits on a forwarded call: make
 * the waiters whose reply has come runnable (sooner than the next tick). */
void sched_poll_fwd(void)
{
    if (!fwd_waiters)
        return;
    for (unsigned i = 0; i < used; i++) {
        struct thread *t = &threads[i];
        if (t->state == T_BLOCKED && t->wait == W_FWD && slot_done(t->slot))
            wake(t, WOKEN);
    }
}

/* Timer tick in program code: wake waiters, and give the vCPU to another
 * runnable thread (round robin, one tick each). */
void sched_tick(struct trapframe *tf)
{
    if (!cur || live < 2)
        return;
    poll_waiters();
    if (!pick_next(cur))
        return;
    /* the frame is on the interrupt stack: move it to the thread's kernel
     * stack (empty while the program runs) and switch from there */
    struct trapframe *k = (struct trapframe *)(cur->kstack_top - sizeof *tf);
    *k = *tf;
    n_preempts++;
    preempt_switch(k);
}

/* Called by preempt_switch on the thread's kernel stack. */
void sched_preempted(struct trapframe *tf)
{
    cur->state = T_RUNNABLE;
    schedule();
    if (sig_ready())
        sig_deliver_pending(tf);
    k_unlock();
}

void sched_resched(void)
{
    struct cpu *c = this_cpu();
    /* not between rt_sigsuspend and the delivery of the signal that ended
     * it (its mask to restore is this vCPU's): at the next call then */
    if (!c->need_resched || c->sigrestore_on)
        return;
    c->need_resched = false;
    if (!cur || cur->state != T_RUNNING || live < 2)
        return;
    poll_waiters();
    if (pick_next(cur)) {
        n_preempts++;
        cur->state = T_RUNNABLE;
        schedule();
    }
}

long sys_sched_yield(struct trapframe *tf)
{
    (void)tf;
    poll_waiters();
    if (pick_next(cur)) {
        cur->state = T_RUNNABLE;
        schedule();
    }
    return 0;
}

/* ---- clone and exit ---- */

long sys_clone(struct trapframe *tf)
{
    uint64_t flags = tf->rdi, stack = tf->rsi, ptid = tf->rdx, ctid = tf->r10, tls = tf->r8;
    if ((flags & CLONE_NEEDED) != CLONE_NEEDED || (flags & CLONE_VFORK)) {
        fwd_nosys_note(56);             /* fork-like clones: no processes here */
        return -ENOSYS;
    }
    if ((flags & CLONE_PARENT_SETTID) && !mm_user_ok(ptid, 4))
        return -EFAULT;
    if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !mm_user_ok(ctid, 4))
        return -EFAULT;
    if ((flags & CLONE_SETTLS) && !is_user_addr(tls))
        return -EPERM;
    struct thread *t = NULL;
    for (unsigned i = 1; i < MAX_THREADS; i++)
        if (threads[i].state == T_FREE || threads[i].state == T_DEAD) {
            t = &threads[i];
            break;
        }
    if (!t)
        return -EAGAIN;
    unsigned idx = (unsigned)(t - threads);
    uint64_t kstack_top = t->kstack_top;
    if (!kstack_top) {                  /* kept for the entry's next thread */
        uint64_t k = umem_reserve(KSTACK_SIZE);
        if (!k)
            return -EAGAIN;
        kstack_top = k + KSTACK_SIZE;
    }
    memset((uint8_t *)t + sizeof t->fpu, 0, sizeof *t - sizeof t->fpu);
    t->idx = idx;
    t->slot_idx = idx % nr_slots;
    t->tid = next_tid++;
    t->kstack_top = kstack_top;
    if (idx >= used)
        used = idx + 1;
    t->fs_base = flags & CLONE_SETTLS ? tls : rdmsr(MSR_FS_BASE);
    t->sigmask = sig_blocked;
    t->sigpend = 0;
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = ctid;
    fpu_save(t);                        /* the child starts with our FPU state */
    /* the child returns from the same syscall with rax = 0 on its stack */
    struct trapframe *ctf = (struct trapframe *)(t->kstack_top - sizeof *ctf);
    *ctf = *tf;
    ctf->rax = 0;
    if (stack)
        ctf->rsp = stack;
    ctf->rcx = tf->rip;
    ctf->r11 = tf->rflags;
    uint64_t *sp = (uint64_t *)ctf;
    *--sp = (uint64_t)thread_first;
    for (int i = 0; i < 6; i++)         /* rbp rbx r12-r15 for ctx_switch */
        *--sp = 0;
    t->ksp = (uint64_t)sp;
    if (flags & CLONE_PARENT_SETTID)
        *(int32_t *)ptid = t->tid;
    if (flags & CLONE_CHILD_SETTID)
        *(int32_t *)ctid = t->tid;
    t->state = T_RUNNABLE;
    live++;
    return t->tid;
}

static unsigned futex_wake(uint64_t uaddr, unsigned n, uint32_t bitset);

long sys_exit(struct trapframe *tf)
{
    if (live <= 1)
        k_exit_run((int)tf->rdi);
    struct thread *t = cur;
    if (t->clear_child_tid && mm_user_ok(t->clear_child_tid, 4)) {
        *(volatile uint32_t *)t->clear_child_tid = 0;
        futex_wake(t->clear_child_tid, 1, FUTEX_ALL_BITS);
    }
    t->state = T_DEAD;
    t->tid = 0;
    live--;
    schedule();
    mv_panic("a dead thread was scheduled");
}

long sys_exit_group(struct trapframe *tf)
{
    k_exit_run((int)tf->rdi);
}

long sys_gettid(struct trapframe *tf)
{
    (void)tf;
    return cur->tid;
}

long sys_set_tid_address(struct trapframe *tf)
{
    cur->clear_child_tid = tf->rdi;
    return cur->tid;
}

long sys_set_robust_list(struct trapframe *tf)
{
    if (tf->rsi != 24)
        return -EINVAL;
    cur->robust_head = tf->rdi;
    cur->robust_len = tf->rsi;
    return 0;
}

long sys_get_robust_list(struct trapframe *tf)
{
    struct thread *t = NULL;
    if (!tf->rdi) {
        t = cur;
    } else {
        for (unsigned i = 0; i < used; i++)
            if (threads[i].tid == (int32_t)tf->rdi && threads[i].state != T_FREE &&
                threads[i].state != T_DEAD)
                t = &threads[i];
    }
    if (!t)
        return -ESRCH;
    if (!mm_user_ok(tf->rsi, 8) || !mm_user_ok(tf->rdx, 8))
        return -EFAULT;
    *(uint64_t *)tf->rsi = t->robust_head;
    *(uint64_t *)tf->rdx = t->robust_len;
    return 0;
}

/* ---- futex ---- */

static unsigned futex_wake(uint64_t uaddr, unsigned n, uint32_t bitset)
{
    unsigned woken = 0;
    while (woken < n) {
        struct thread *best = NULL;
        for (unsigned i = 0; i < used; i++) {
            struct thread *t = &threads[i];
            if (t->state == T_BLOCKED && t->wait == W_FUTEX && t->futex_addr == uaddr &&
                (t->futex_bitset & bitset) && (!best || t->wait_seq < best->wait_seq))
                best = t;
        }
        if (!best)
            break;
        wake(best, WOKEN);
        woken++;
    }
    return woken;
}

/* Kernel-internal waits, keyed by a kernel address (never a program
 * futex's): the thread waits as in a futex wait, so a signal may end the
 * wait early (callers recheck their condition). */
void sched_wait_key(const void *key)
{
    cur->futex_addr = (uint64_t)key;
    cur->futex_bitset = FUTEX_ALL_BITS;
    cur->wait_seq = ++wait_seq;
    cur->state = T_BLOCKED;
    cur->wait = W_FUTEX;
    cur->deadline = 0;
    schedule();
}

void sched_wake_key(const void *key)
{
    futex_wake((uint64_t)key, MAX_THREADS, FUTEX_ALL_BITS);
}

/* Move up to n waiters of uaddr to uaddr2 (oldest first). */
static unsigned futex_requeue(uint64_t uaddr, uint64_t uaddr2, unsigned n)
{
    unsigned moved = 0;
    for (uint64_t seq = 0; moved < n;) {
        struct thread *best = NULL;
        for (unsigned i = 0; i < used; i++) {
            struct thread *t = &threads[i];
            if (t->state == T_BLOCKED && t->wait == W_FUTEX && t->futex_addr == uaddr &&
                t->wait_seq >= seq && (!best || t->wait_seq < best->wait_seq))
                best = t;
        }
        if (!best)
            break;
        best->futex_addr = uaddr2;
        seq = best->wait_seq + 1;
        moved++;
    }
    return moved;
}

static int64_t realtime_to_monotonic(int64_t real)
{
    return real - time_realtime_ns() + time_monotonic_ns();
}

/* Read a timespec; returns its ns or -1 if invalid. */
int64_t timespec_ns(uint64_t uts)
{
    const int64_t *ts = (const int64_t *)uts;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= NSEC)
        return -1;
    if (ts[0] > INT64_MAX / NSEC - 1)
        return INT64_MAX / 2;
    return ts[0] * NSEC + ts[1];
}

/* The vCPU running t, or NULL if it is on none: a running thread's signal
 * state is that vCPU's (struct cpu), not the copy in its thread entry. */
static struct cpu *running_on(const struct thread *t)
{
    if (t->state != T_RUNNING)
        return NULL;
    for (unsigned i = 0; i < MAX_CPUS; i++)
        if (cpu_cur(&k_cpus[i]) == t)
            return &k_cpus[i];
    return NULL;
}

int32_t sched_tid_unblocking(uint64_t mask)
{
    for (unsigned i = 0; i < used; i++) {
        struct thread *t = &threads[i];
        if (t == cur || t->state == T_FREE || t->state == T_DEAD)
            continue;
        struct cpu *c = running_on(t);
        if (!((c ? c->sigmask : t->sigmask) & mask))
            return t->tid;
    }
    return 0;
}

bool sched_in_thread(void)
{
    return cur && cur->state != T_IDLE;
}

bool sched_thread_signals(int32_t tid, uint64_t **pending, uint64_t *blocked)
{
    struct thread *t = find(tid);
    if (!t || t == cur)
        return false;
    struct cpu *c = running_on(t);
    *pending = c ? &c->sigpend : &t->sigpend;
    *blocked = c ? c->sigmask : t->sigmask;
    return true;
}

void sched_interrupt(int32_t tid)
{
    struct thread *t = find(tid);
    if (!t || t->state != T_BLOCKED)
        return;
    if (t->wait == W_FUTEX || t->wait == W_SLEEP || t->wait == W_SIG) {
        wake(t, INTERRUPTED);
    } else if (t->wait == W_FWD) {
        /* the launcher interrupts the partner's call; it returns -EINTR,
         * which fwd_request turns into a restart after the handler */
        t->slot->interrupt = 1;
        mfence();
        outb(MV_DOORBELL_PORT, (uint8_t)t->slot_idx);
    }
}

/* Block the current thread until woken or (deadline != 0) until deadline.
 * A deliverable signal ends the wait (INTERRUPTED). */
static int block(int wait, int64_t deadline)
{
    if (sig_ready())
        return INTERRUPTED;
    cur->state = T_BLOCKED;
    cur->wait = wait;
    cur->deadline = deadline;
    schedule();
    return cur->wake_reason;
}

long sys_futex(struct trapframe *tf)
{
    int op = (int)tf->rsi;
    int cmd = op & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    uint64_t uaddr = tf->rdi;
    uint32_t val = (uint32_t)tf->rdx;
    if ((uaddr & 3) || !mm_user_ok(uaddr, 4))
        return -EFAULT;
    if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_ALL_BITS : (uint32_t)tf->r9;
        if (!bitset)
            return -EINVAL;
        if (wb_busy)            /* a blocking thread's writes are not held back;
                                 * before the value check: flushing can switch */
            wb_flush(tf->rip);
        int64_t deadline = 0;
        if (tf->r10) {
            if (!mm_user_ok(tf->r10, 16))
                return -EFAULT;
            int64_t ns = timespec_ns(tf->r10);
            if (ns < 0)
                return -EINVAL;
            if (cmd == FUTEX_WAIT)      /* relative */
                deadline = time_monotonic_ns() + ns;
            else if (op & FUTEX_CLOCK_REALTIME)
                deadline = realtime_to_monotonic(ns);
            else
                deadline = ns;
            if (deadline <= 0)
                deadline = 1;
        }
        if (*(volatile uint32_t *)uaddr != val)
            return -EAGAIN;
        cur->futex_addr = uaddr;
        cur->futex_bitset = bitset;
        cur->wait_seq = ++wait_seq;
        int r = block(W_FUTEX, deadline);
        return r == TIMED_OUT ? -ETIMEDOUT : r == INTERRUPTED ? -ERESTARTSYS : 0;
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_ALL_BITS : (uint32_t)tf->r9;
        if (!bitset)
            return -EINVAL;
        return futex_wake(uaddr, val > 0x7fffffff ? 0x7fffffff : val, bitset);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
        uint64_t uaddr2 = tf->r8;
        uint32_t nreq = (uint32_t)tf->r10;
        if ((int32_t)val < 0 || (int32_t)nreq < 0)
            return -EINVAL;
        if ((uaddr2 & 3) || !mm_user_ok(uaddr2, 4))
            return -EFAULT;
        if (cmd == FUTEX_CMP_REQUEUE && *(volatile uint32_t *)uaddr != (uint32_t)tf->r9)
            return -EAGAIN;
        unsigned woken = futex_wake(uaddr, val, FUTEX_ALL_BITS);
        return woken + futex_requeue(uaddr, uaddr2, nreq);
    }
    default:
        return -ENOSYS;
    }
}

/* ---- waiting for a signal (pause, rt_sigsuspend, rt_sigtimedwait) ---- */

int sched_wait_signal(uint64_t want, int64_t deadline)
{
    cur->sigwant = want;
    int r = block(W_SIG, deadline);
    cur->sigwant = 0;
    return r == TIMED_OUT ? -ETIMEDOUT : 0;
}

bool sched_sigwants(int32_t tid, uint64_t bits)
{
    struct thread *t = find(tid);
    return t && t->state == T_BLOCKED && t->wait == W_SIG && (t->sigwant & bits);
}

int32_t sched_sigwaiter(uint64_t bits)
{
    for (unsigned i = 0; i < used; i++)
        if (threads[i].state == T_BLOCKED && threads[i].wait == W_SIG && (threads[i].sigwant & bits))
            return threads[i].tid;
    return 0;
}

/* ---- sleeping, affinity ---- */

/* Sleep until deadline (CLOCK_MONOTONIC ns). A signal handler ends the
 * sleep with EINTR (never restarted, as on Linux) and, with rem, the time
 * that was left. */
static long sleep_until(int64_t deadline, uint64_t rem)
{
    if (wb_busy)                /* a sleeping program's writes are not held back */
        wb_flush(0);
    if (deadline <= time_monotonic_ns())
        return 0;
    if (block(W_SLEEP, deadline) != INTERRUPTED)
        return 0;
    if (rem) {
        int64_t left = deadline - time_monotonic_ns();
        if (left < 0)
            left = 0;
        ((int64_t *)rem)[0] = left / NSEC;
        ((int64_t *)rem)[1] = left % NSEC;
    }
    return -EINTR;
}

long sys_nanosleep(struct trapframe *tf)
{
    if (!mm_user_ok(tf->rdi, 16) || (tf->rsi && !mm_user_ok(tf->rsi, 16)))
        return -EFAULT;
    int64_t ns = timespec_ns(tf->rdi);
    if (ns < 0)
        return -EINVAL;
    return sleep_until(time_monotonic_ns() + ns, tf->rsi);
}

long sys_clock_nanosleep(struct trapframe *tf)
{
    int64_t clk = (int64_t)tf->rdi;
    if (clk != 0 && clk != 1 && clk != 7)      /* REALTIME MONOTONIC BOOTTIME */
        return clk == 2 || clk == 3 ? -ENOTSUP : -EINVAL;
    if (!mm_user_ok(tf->rdx, 16) || (tf->r10 && !mm_user_ok(tf->r10, 16)))
        return -EFAULT;
    int64_t ns = timespec_ns(tf->rdx);
    if (ns < 0)
        return -EINVAL;
    int64_t deadline;
    if (!(tf->rsi & TIMER_ABSTIME))
        deadline = time_monotonic_ns() + ns;
    else if (clk == 0)
        deadline = realtime_to_monotonic(ns);
    else
        deadline = ns;
    /* rem only for a relative sleep (Linux leaves it alone for TIMER_ABSTIME) */
    return sleep_until(deadline, tf->rsi & TIMER_ABSTIME ? 0 : tf->r10);
}

long sys_sched_getaffinity(struct trapframe *tf)
{
    uint64_t len = tf->rsi, mask = tf->rdx;
    if (len < 8 || (len & 7))
        return -EINVAL;
    if (tf->rdi && !sched_tid_alive((int32_t)tf->rdi) && (int32_t)tf->rdi != k_boot->pid)
        return -ESRCH;
    if (!mm_user_ok(mask, 8))
        return -EFAULT;
    unsigned n = k_ncpus_online();
    *(uint64_t *)mask = n >= 64 ? ~0ull : (1ull << n) - 1;
    return 8;
}

void sched_log_stats(void)
{
    kprintf("sched: %u thread ids given, %lu switches, %lu preemptions\n",
            (unsigned)(next_tid - k_boot->pid), n_switches, n_preempts);
}
