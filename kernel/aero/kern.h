/* kern.h - the aerokernel's internal interfaces, one section per subsystem. */
#ifndef AERO_KERN_H
#define AERO_KERN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdefs.h"
#include "mv_abi.h"
#include "param.h"

#define P2V(pa)       ((void *)((uint64_t)(pa) + MV_DIRECT_MAP))
#define ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))

/* Linux errno values the kernel returns */
#define EPERM   1
#define ESRCH   3
#define EINTR   4
#define EBADF   9
#define EAGAIN  11
#define ENOMEM  12
#define EFAULT  14
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSYS  38
#define ENOTSUP  95
#define ETIMEDOUT 110
#define ERESTARTSYS 512     /* kernel-internal: restart after the handler */

/* Register state of the program (or kernel) at a trap or system call. */
struct trapframe {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

struct thread;

/* Per-CPU data, reached through GS base. */
struct cpu {
    struct cpu *self;
    uint64_t kstack_top;        /* syscall entry switches to this */
    uint64_t user_rsp;          /* scratch: program rsp at syscall entry */
    uint64_t ticks;             /* timer interrupts taken */
    unsigned id;                /* 0 = the boot vCPU */
    uint32_t apic_id;
    struct thread *cur;         /* the thread running here */
    struct thread *idle;        /* this vCPU's idle thread */
    volatile bool idling;       /* halted in the idle loop: wake with an IPI */
    volatile bool halted;       /* in prof_halt: the timer takes no sample */
    uint64_t prof_next;         /* TSC of this vCPU's next profile sample */
    /* the running thread's signal mask and pending set (sig_blocked and
     * sig_pending below; the scheduler swaps them): per vCPU, since each
     * runs its own thread */
    uint64_t sigmask, sigpend;
    /* rt_sigsuspend's mask to put back once the signal that ended it is
     * delivered (the handler's frame carries it) */
    uint64_t sigrestore;
    bool sigrestore_on;
    /* a scheduler tick came while this vCPU ran kernel code for a system
     * call: switch threads on the way out (sched_resched) */
    bool need_resched;
};
extern struct cpu k_cpus[MAX_CPUS];

/* True if addr is in the lower half (program code or data). */
static inline bool is_user_addr(uint64_t addr) { return addr < 0x0000800000000000ull; }

/* ---- main.c ---- */
extern struct mv_boot_info *k_boot;     /* the boot information (direct map) */
/* True if the boot flags ask for verbose logging. */
bool k_verbose(void);

/* ---- console.c: kernel log on MV_LOG_PORT ---- */
void con_init(void);
/* printf-like: %d %i %u %x %X %p %s %c %% with l/ll/z and width/0 flags. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
/* Format into buf (always NUL-terminated); returns the length written. */
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
/* Subsystem debug log: compiled away when DEBUG_<sub> is 0, printed only
 * when the boot flags have MV_BOOT_DEBUG. */
#define dlog(sub, ...) do { if (DEBUG_##sub && k_verbose()) kprintf(__VA_ARGS__); } while (0)

/* ---- panic.c ---- */
/* Log the message and a kernel backtrace, post MV_REQ_PANIC, halt. */
_Noreturn void mv_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, for a fault in kernel code described by tf. */
_Noreturn void panic_trap(struct trapframe *tf, const char *what);
/* Fill the report's frames (return addresses, innermost first; rip itself
 * is in rep->rip) for code stopped at rip with rsp/rbp: the kernel's
 * frame-pointer chain, or with user the program's (checked against the
 * region, see user_frames). */
void panic_frames(struct mv_report *rep, uint64_t rip, uint64_t rsp, uint64_t rbp, bool user);
/* Halt this CPU for good. */
_Noreturn void k_halt(void);
/* Is ret a return address in the program image (after a call)? With
 * strict, a direct call must target a function that can contain pc. */
bool unwind_call_before(uint64_t ret, uint64_t pc, bool strict);

/* ---- lib.c ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* ---- cpu.c ---- */
/* Load GDT, TSS, IDT, per-CPU GS base, control registers, SSE/XSAVE,
 * the syscall MSRs, for vCPU id (0: the boot vCPU, which builds the IDT). */
void cpu_init(unsigned id);
static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* ---- mm.c: page tables, program address checks ---- */
/* Build and load the final page tables. */
void mm_init(void);
/* Load them on another vCPU. */
void mm_load(void);
/* True if [addr, addr+len) is mapped program memory (in the region, not the
 * stack guard). Overflow-safe; len 0 is accepted if addr is in range. */
bool mm_user_ok(uint64_t addr, uint64_t len);

/* ---- umem.c: the program's memory calls ---- */
void umem_init(void);
/* Take len bytes (page multiple) at the top of free memory, zeroed, for
 * the kernel's own use in the region. Returns 0 if there is no room. */
uint64_t umem_reserve(uint64_t len);
long sys_brk(struct trapframe *tf);
long sys_mmap(struct trapframe *tf);
long sys_munmap(struct trapframe *tf);
long sys_mprotect(struct trapframe *tf);
long sys_mremap(struct trapframe *tf);
long sys_madvise(struct trapframe *tf);

/* ---- trap.c ---- */
/* Called from entry.S for every exception and interrupt. */
void trap_handle(struct trapframe *tf);
/* Report that the program dies of signal sig (vector -1 if none), halt. */
_Noreturn void trap_program_dies(struct trapframe *tf, int sig, int vector, uint64_t addr);

/* ---- entry.S ---- */
extern char mv_syscall_entry[];
extern char mv_isr_table[];             /* 256 stubs of ISR_STUB_SIZE bytes */
#define ISR_STUB_SIZE 16
/* Load tf into the registers and iretq (the program's first entry). */
_Noreturn void trap_return(struct trapframe *tf);

/* ---- syscall.c ---- */
/* Dispatch the system call in tf (called by sys_enter, from entry.S, which
 * holds the kernel lock around it). Returns 0 for the fast return (rcx and
 * r11 clobbered), 1 to restore every register. */
int sys_entry(struct trapframe *tf);
int sys_enter(struct trapframe *tf);

/* ---- forward.c ---- */
/* Post a request on the current thread's slot and wait for its reply. Returns ret; *ret2 gets
 * ret2 when non-NULL. */
int64_t fwd_request(uint32_t req, int64_t nr, const int64_t arg[6], uint64_t callsite,
                    int64_t *ret2);
/* Forward system call nr with args. */
int64_t fwd_syscall(int64_t nr, const int64_t arg[6], uint64_t callsite);
/* Post a request that gets no reply (exit, fault, panic). */
void fwd_post_final(uint32_t req, const int64_t arg[6]);
/* Log the request counters (requests, doorbells, back-offs). */
void fwd_log_stats(void);
/* Report once that the program called an owned call the kernel lacks. */
void fwd_nosys_note(int64_t nr);
/* MV_REQ_PROF_DRAIN on the current thread's slot, which it holds (called
 * from fwd_request's accounting); may block the thread. */
void fwd_prof_drain(void);

/* ---- sched.c: threads, scheduler, futex, sleeping ---- */
/* Make the boot flow thread 0 (tid = pid) on this vCPU's kernel stack. */
void sched_init(void);
int32_t sched_tid(void);
/* Slot index of the current thread (= its thread index). */
unsigned sched_slot(void);
/* Threads alive (not exited). */
unsigned sched_live(void);
bool sched_tid_alive(int32_t tid);
/* Hold the current thread's slot (waiting while a thread sharing it holds
 * it); returns its index. Release after the reply is read. */
unsigned sched_slot_acquire(void);
void sched_slot_release(void);
/* Block the current thread until sched_wake_key(key) (or a signal: recheck
 * the condition waited for); key is a kernel address. */
void sched_wait_key(const void *key);
/* Make every thread waiting on key runnable. */
void sched_wake_key(const void *key);
/* Block the current thread until slot s is DONE (other threads run). */
void sched_wait_slot(struct mv_slot *s);
/* Wake threads whose forwarded call is done (cheap when none waits). */
void sched_poll_fwd(void);
/* Timer tick that interrupted program code described by tf: may switch. */
void sched_tick(struct trapframe *tf);
/* At the end of a system call: if a tick asked for it (need_resched), give
 * the vCPU to another runnable thread, as a tick in program code would. */
void sched_resched(void);
/* A live thread other than the current one whose mask lacks every bit of
 * mask, or 0. */
int32_t sched_tid_unblocking(uint64_t mask);
/* The pending set and mask of another live thread; false if none. */
bool sched_thread_signals(int32_t tid, uint64_t **pending, uint64_t *blocked);
/* A signal became deliverable to thread tid: end its futex wait or sleep
 * (the call returns -ERESTARTSYS). */
void sched_interrupt(int32_t tid);
/* True if this vCPU runs (or is blocked in the flow of) a program thread,
 * not its idle loop. */
bool sched_in_thread(void);
/* Block the current thread until a signal it does not block is raised for
 * it, one of want (blocked ones it waits for) is, or deadline (0: none)
 * passes: 0, or -ETIMEDOUT. */
int sched_wait_signal(uint64_t want, int64_t deadline);
/* True if thread tid waits (sched_wait_signal) for one of bits. */
bool sched_sigwants(int32_t tid, uint64_t bits);
/* A thread waiting for one of bits, or 0. */
int32_t sched_sigwaiter(uint64_t bits);
/* Read a user timespec: its ns, or -1 if invalid. */
int64_t timespec_ns(uint64_t uts);
/* The kernel lock (a no-op with one vCPU). k_lock returns false if this
 * vCPU already held it (then do not unlock). */
bool k_lock(void);
void k_unlock(void);
/* An AP enters the scheduler (never returns). */
_Noreturn void sched_ap_enter(void);
_Noreturn void sched_idle_loop(void);

/* ---- smp.c ---- */
/* vCPUs that run threads. */
unsigned k_ncpus_online(void);
/* Start the other vCPUs (boot info ncpus, at most MAX_CPUS). */
void smp_start(void);
void smp_mark_online(void);
void sched_log_stats(void);

/* ---- sysmisc.c ---- */
/* End the run with exit status (exit_group, or the last thread's exit). */
_Noreturn void k_exit_run(int status);

/* ---- kapi.c: publish the kernel-mode function API (mv_kapi.h) in k_boot->kapi ---- */
void kapi_init(void);

/* ---- time.c ---- */
/* MV_REQ_TIMESYNC: fill the clock fields of the boot information. */
void time_sync(void);
uint64_t time_tsc_hz(void);
/* Nanoseconds for a TSC delta. */
uint64_t time_tsc_to_ns(uint64_t dtsc);
/* TSC ticks for ns nanoseconds. */
uint64_t time_ns_to_tsc(uint64_t ns);
int64_t time_monotonic_ns(void);
int64_t time_realtime_ns(void);
struct vdso_data;
/* Copy the clock state into the vDSO's data page. */
void time_vdso_fill(struct vdso_data *d);
long sys_clock_gettime(struct trapframe *tf);
long sys_clock_getres(struct trapframe *tf);
long sys_gettimeofday(struct trapframe *tf);
long sys_time(struct trapframe *tf);

/* ---- vdso.c ---- */
/* Install the vDSO and announce it in the auxv (if clock_gettime is native). */
void vdso_install(void);

/* ---- lapic.c ---- */
void lapic_init(void);
uint32_t lapic_id(void);
/* Send an IPI: ICR low word lo to APIC id dest. */
void lapic_icr(uint32_t dest, uint32_t lo);
void lapic_start_ap(void);
/* Calibrate the timer against the TSC (needs time_sync first), start the tick. */
void lapic_start_tick(void);
/* Arm a one-shot interrupt in ns (replaces the tick until lapic_resume_tick). */
void lapic_oneshot(uint64_t ns);
void lapic_resume_tick(void);
void lapic_eoi(void);
/* Timer interrupt: tick accounting and the program-`hlt` check. */
void lapic_timer_irq(struct trapframe *tf);

/* ---- profile.c: the sampling profiler and call accounting (mv_abi.h) ---- */
/* True when the boot information asks for profiling (after prof_init). */
extern bool prof_on;
/* Check the profile area and start profiling if prof_hz asks for it
 * (needs time_sync; before the tick starts). Panics on a bad area. */
void prof_init(void);
/* This vCPU starts sampling now (the boot vCPU in prof_init; the others
 * when they come up). */
void prof_cpu_start(void);
/* Rate of the periodic LAPIC timer: TICK_HZ, or prof_hz if higher. */
uint32_t prof_timer_hz(void);
/* Timer interrupt described by tf: take a sample if one is due. */
void prof_timer(struct trapframe *tf);
/* Halt with interrupts on until the next interrupt (the idle halt); the
 * periods it lasted become idle samples. Interrupts are off again after. */
void prof_halt(void);
/* Count a natively handled system call. */
void prof_native(uint64_t nr);
/* Record the forwarded call just answered on the current thread's slot
 * (still held): total_tsc from post to reply read, host_ns from the slot.
 * Never dropped: may post MV_REQ_PROF_DRAIN and block until there is room. */
void prof_forwarded(int64_t nr, uint64_t total_tsc, uint64_t host_ns);
/* The program's call chain from pc (first), sp and rbp, at most max
 * addresses, every read checked against the program's mappings. */
unsigned prof_user_chain(uint64_t *out, unsigned max, uint64_t pc, uint64_t sp, uint64_t rbp);

/* ---- signal.c ---- */
void sig_init(void);
/* Make sig pending for the program (si_code as Linux's siginfo). */
void sig_raise(int sig, int code);
/* The current thread's mask and pending set (the scheduler swaps them),
 * kept per vCPU. */
#define sig_blocked (this_cpu()->sigmask)
#define sig_pending (this_cpu()->sigpend)
/* Pending for the process: every thread blocked it when it was sent. */
extern uint64_t sig_proc_pending;
/* True if a pending signal is not blocked (cheap: checked on every return). */
static inline bool sig_ready(void)
{
    const struct cpu *c = this_cpu();   /* one %gs load: it is on every return */
    return (c->sigpend | sig_proc_pending) & ~c->sigmask;
}
/* Deliver pending unblocked signals into tf (at a return to program code).
 * Returns true if tf was changed. May end the run. */
bool sig_deliver_pending(struct trapframe *tf);
/* True if the signal sig_deliver_pending would deliver next lets an
 * interrupted call restart: its handler has SA_RESTART, or it runs none. */
bool sig_restarts(void);
/* Raise the signals the launcher was sent (boot info host_sigpending) and
 * SIGALRM when the interval timer is due. Returns ns until the timer is
 * next due (UINT64_MAX: disarmed). Cheap when nothing is due. Lock held. */
uint64_t sig_poll(void);
/* A synchronous fault in program code: deliver to the handler or end the
 * run. addr is si_addr. */
void sig_fault(struct trapframe *tf, int sig, int code, uint64_t addr);
long sys_rt_sigaction(struct trapframe *tf);
long sys_rt_sigprocmask(struct trapframe *tf);
long sys_pause(struct trapframe *tf);
long sys_rt_sigsuspend(struct trapframe *tf);
long sys_rt_sigtimedwait(struct trapframe *tf);
long sys_rt_sigreturn(struct trapframe *tf);
long sys_sigaltstack(struct trapframe *tf);
long sys_rt_sigpending(struct trapframe *tf);
long sys_kill(struct trapframe *tf);
long sys_tkill(struct trapframe *tf);
long sys_tgkill(struct trapframe *tf);

/* ---- wbehind.c: write-behind for write/pwrite64/writev placed native ---- */
/* True while written data waits in the kernel (buffered or being flushed). */
extern bool wb_busy;
/* Forward everything buffered, in order (after waiting for a flush another
 * thread has in progress). System-call context: blocks the thread. */
void wb_flush(uint64_t callsite);
/* Flush until nothing is buffered (exit). */
void wb_flush_all(void);
/* A fatal fault: forward what is buffered by spinning on the slot, never
 * blocking or switching (interrupts may be off). */
void wb_flush_final(void);
/* After forwarded call nr returned ret: forget the class of a descriptor
 * closed or replaced (close, dup2, dup3); close, fsync and fdatasync return
 * a pending error of an earlier flush. Returns the call's result. */
int64_t wb_after(int64_t nr, const int64_t arg[6], int64_t ret);
void wb_log_stats(void);

#endif
