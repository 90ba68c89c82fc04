/* kapi.c - the table of kernel services for kernel-mode functions (mv_kapi.h), published in the boot information. */
#include "kern.h"
#include "mv_kapi.h"
#include "x86.h"

/* Interrupts off for the caller's duration: a timer tick must not move the
 * thread to another vCPU between reading per-CPU state and using it. */
static uint64_t irq_off(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; pop %0; cli" : "=r"(f) :: "memory");
    return f;
}

static void irq_restore(uint64_t f)
{
    if (f & RFLAGS_IF)
        sti();
}

static void kapi_log(const char *msg)
{
    char buf[520];
    size_t n = 0;
    /* the string is program memory: copy only what is mapped */
    while (n < 512 && mm_user_ok((uint64_t)(msg + n), 1) && msg[n])
        n++;
    memcpy(buf, msg, n);
    if (n == 0 || buf[n - 1] != '\n')
        buf[n++] = '\n';
    buf[n] = 0;
    uint64_t f = irq_off();
    bool mine = k_lock();
    kprintf("kfunc: %s", buf);
    if (mine)
        k_unlock();
    irq_restore(f);
}

static int64_t kapi_now_ns(void) { return time_monotonic_ns(); }
static int64_t kapi_realtime_ns(void) { return time_realtime_ns(); }
static uint64_t kapi_tsc(void) { return rdtsc(); }
static uint64_t kapi_tsc_hz(void) { return time_tsc_hz(); }
static uint32_t kapi_ncpus(void) { return k_ncpus_online(); }

static uint32_t kapi_cpu_id(void)
{
    uint64_t f = irq_off();
    uint32_t id = this_cpu()->id;
    irq_restore(f);
    return id;
}

static int32_t kapi_tid(void)
{
    uint64_t f = irq_off();
    int32_t tid = sched_tid();
    irq_restore(f);
    return tid;
}

/* Through the system-call entry (ring 0 to ring 0, ~40 ns): it switches to
 * the thread's kernel stack and takes the kernel lock as any call does. */
static void kapi_yield(void)
{
    long nr = 24;   /* sched_yield */
    __asm__ volatile("syscall" : "+a"(nr) :: "rcx", "r11", "memory");
}

static const struct mv_kapi table = {
    .version = MV_KAPI_VERSION,
    .size = sizeof(struct mv_kapi),
    .log = kapi_log,
    .now_ns = kapi_now_ns,
    .realtime_ns = kapi_realtime_ns,
    .tsc = kapi_tsc,
    .tsc_hz = kapi_tsc_hz,
    .cpu_id = kapi_cpu_id,
    .ncpus = kapi_ncpus,
    .tid = kapi_tid,
    .yield = kapi_yield,
};

void kapi_init(void)
{
    k_boot->kapi = (uint64_t)&table;
}
