/* time.c - clocks from the TSC, anchored by MV_REQ_TIMESYNC at boot:
 * clock_gettime, clock_getres, gettimeofday, time. */
#include "kern.h"
#include "vdso.h"
#include "x86.h"

#define NSEC 1000000000ull

static uint64_t tsc_hz, tsc_ref, ns_mult, tsc_mult;   /* ns = dtsc*ns_mult >> 32 */
static int64_t realtime_ref, monotonic_ref;

uint64_t time_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t time_tsc_to_ns(uint64_t dtsc)
{
    if (!ns_mult)
        return dtsc;            /* before TIMESYNC: assume 1 GHz */
    return (uint64_t)(((unsigned __int128)dtsc * ns_mult) >> 32);
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
    if (!tsc_mult)
        return ns;
    return (uint64_t)(((unsigned __int128)ns * tsc_mult) >> 24);
}

void time_sync(void)
{
    int64_t mono;
    uint64_t t0 = rdtsc();
    int64_t real = fwd_request(MV_REQ_TIMESYNC, 0, NULL, 0, &mono);
    uint64_t t1 = rdtsc();
    tsc_hz = k_boot->tsc_hz;
    if (tsc_hz < 1000000 || tsc_hz > 0xffffffffffull)
        mv_panic("MV_REQ_TIMESYNC gave an implausible TSC frequency %lu Hz", tsc_hz);
    tsc_ref = t0 + (t1 - t0) / 2;
    realtime_ref = real;
    monotonic_ref = mono;
    ns_mult = (NSEC << 32) / tsc_hz;
    tsc_mult = (tsc_hz << 24) / NSEC;
    k_boot->tsc_ref = tsc_ref;
    k_boot->realtime_ref_ns = real;
    k_boot->monotonic_ref_ns = mono;
    kprintf("time: tsc %lu kHz, round trip %lu ns\n", tsc_hz / 1000, time_tsc_to_ns(t1 - t0));
}

void time_vdso_fill(struct vdso_data *d)
{
    d->tsc_ref = tsc_ref;
    d->ns_mult = ns_mult;
    d->realtime_ref = realtime_ref;
    d->monotonic_ref = monotonic_ref;
    d->boot_tsc = k_boot->kernel_boot_tsc;
}

int64_t time_monotonic_ns(void)
{
    return monotonic_ref + (int64_t)time_tsc_to_ns(rdtsc() - tsc_ref);
}

int64_t time_realtime_ns(void)
{
    return realtime_ref + (int64_t)time_tsc_to_ns(rdtsc() - tsc_ref);
}

enum { CLK_REALTIME, CLK_MONOTONIC, CLK_PROCESS_CPU, CLK_THREAD_CPU, CLK_MONOTONIC_RAW,
       CLK_REALTIME_COARSE, CLK_MONOTONIC_COARSE, CLK_BOOTTIME };

/* Nanoseconds on clock id, or -1 if the clock is not supported. */
static int64_t clock_ns(int64_t id)
{
    switch (id) {
    case CLK_REALTIME: case CLK_REALTIME_COARSE:
        return time_realtime_ns();
    case CLK_MONOTONIC: case CLK_MONOTONIC_RAW: case CLK_MONOTONIC_COARSE: case CLK_BOOTTIME:
        return time_monotonic_ns();
    case CLK_PROCESS_CPU: case CLK_THREAD_CPU:
        return (int64_t)time_tsc_to_ns(rdtsc() - k_boot->kernel_boot_tsc);
    default:
        return -1;
    }
}

struct k_timespec { int64_t sec, nsec; };

long sys_clock_gettime(struct trapframe *tf)
{
    int64_t ns = clock_ns((int64_t)tf->rdi);
    if (ns < 0)
        return -EINVAL;
    if (!mm_user_ok(tf->rsi, sizeof(struct k_timespec)))
        return -EFAULT;
    struct k_timespec *ts = (struct k_timespec *)tf->rsi;
    ts->sec = ns / (int64_t)NSEC;
    ts->nsec = ns % (int64_t)NSEC;
    return 0;
}

long sys_clock_getres(struct trapframe *tf)
{
    int64_t id = (int64_t)tf->rdi;
    if (clock_ns(id) < 0)
        return -EINVAL;
    if (!tf->rsi)
        return 0;
    if (!mm_user_ok(tf->rsi, sizeof(struct k_timespec)))
        return -EFAULT;
    struct k_timespec *ts = (struct k_timespec *)tf->rsi;
    bool coarse = id == CLK_REALTIME_COARSE || id == CLK_MONOTONIC_COARSE;
    ts->sec = 0;
    ts->nsec = coarse ? (int64_t)(NSEC / TICK_HZ) : 1;
    return 0;
}

long sys_gettimeofday(struct trapframe *tf)
{
    if (tf->rdi) {
        if (!mm_user_ok(tf->rdi, 16))
            return -EFAULT;
        int64_t ns = time_realtime_ns();
        int64_t *tv = (int64_t *)tf->rdi;
        tv[0] = ns / (int64_t)NSEC;
        tv[1] = ns % (int64_t)NSEC / 1000;
    }
    if (tf->rsi) {
        if (!mm_user_ok(tf->rsi, 8))
            return -EFAULT;
        memset((void *)tf->rsi, 0, 8);          /* UTC, no DST */
    }
    return 0;
}

long sys_time(struct trapframe *tf)
{
    int64_t sec = time_realtime_ns() / (int64_t)NSEC;
    if (tf->rdi) {
        if (!mm_user_ok(tf->rdi, 8))
            return -EFAULT;
        *(int64_t *)tf->rdi = sec;
    }
    return sec;
}
