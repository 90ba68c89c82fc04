/* user.c - the vDSO: clock_gettime for the program without a system call,
 * linked as a tiny shared object that musl finds through AT_SYSINFO_EHDR.
 * Runs in program context; clocks it does not know fall back to syscall. */
#include <stdint.h>

#include "vdso.h"

struct k_timespec { int64_t sec, nsec; };

extern const struct vdso_data vdso_data __attribute__((visibility("hidden")));

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static long sys_clock_gettime(long clk, struct k_timespec *ts)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(228L), "D"(clk), "S"(ts)
                     : "rcx", "r11", "memory");
    return ret;
}

int __vdso_clock_gettime(long clk, struct k_timespec *ts)
{
    const volatile struct vdso_data *d = &vdso_data;
    int64_t ref;
    uint64_t base = d->tsc_ref;
    switch (clk) {
    case 0: case 5:                             /* REALTIME, REALTIME_COARSE */
        ref = d->realtime_ref;
        break;
    case 1: case 4: case 6: case 7:             /* MONOTONIC, _RAW, _COARSE, BOOTTIME */
        ref = d->monotonic_ref;
        break;
    case 2: case 3:                             /* PROCESS/THREAD_CPUTIME_ID */
        ref = 0;
        base = d->boot_tsc;
        break;
    default:
        return (int)sys_clock_gettime(clk, ts);
    }
    if (!d->ns_mult)
        return (int)sys_clock_gettime(clk, ts);
    int64_t ns = ref + (int64_t)(((unsigned __int128)(rdtsc() - base) * d->ns_mult) >> 32);
    ts->sec = ns / 1000000000;
    ts->nsec = ns % 1000000000;
    return 0;
}

int clock_gettime(long, struct k_timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
