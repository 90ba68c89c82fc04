/*
 * mv_kapi.h - the aerokernel's API for kernel-mode functions: program
 * functions the manifest moves into kernel mode (docs/kernel-functions.md)
 * call the kernel directly through this table, without a system call.
 *
 * Where the table is: the kernel stores its address (a kernel-virtual
 * address, upper half) in mv_boot_info.kapi. The boot information lives in
 * the control area, which is NOT mapped for the program in the lower half;
 * program code running in ring 0 reads it through the kernel's direct map,
 * MV_DIRECT_MAP + MV_BOOT_INFO_ADDR (mv_kapi() below does this). The same
 * program binary also runs natively on Linux (ring 3), where there is no
 * kernel to call: mv_kapi() returns NULL there, so a kernel-mode function
 * must keep working without it.
 *
 * Every function may be called from program context (ring 0, interrupts
 * on, the program's stack, any vCPU): each takes what it needs (interrupts
 * off, the kernel lock) itself and restores it. None may be called with
 * interrupts off by the caller for long, nor from a signal handler that
 * interrupted one of them.
 */
#ifndef MV_KAPI_H
#define MV_KAPI_H

#include <stdint.h>
#include "mv_abi.h"

#define MV_KAPI_VERSION 1u

struct mv_kapi {
    uint32_t version;                   /* MV_KAPI_VERSION */
    uint32_t size;                      /* sizeof(struct mv_kapi) the kernel has */
    /* Write msg (NUL-terminated, at most 512 bytes used) to the kernel log,
     * prefixed "kfunc: " and with a newline added if missing. */
    void (*log)(const char *msg);
    /* CLOCK_MONOTONIC in ns (the kernel's clock, as clock_gettime gives it). */
    int64_t (*now_ns)(void);
    /* CLOCK_REALTIME in ns. */
    int64_t (*realtime_ns)(void);
    /* The TSC (rdtsc) and its rate in Hz. */
    uint64_t (*tsc)(void);
    uint64_t (*tsc_hz)(void);
    /* The vCPU running the caller (0 = boot vCPU) and the vCPUs online. */
    uint32_t (*cpu_id)(void);
    uint32_t (*ncpus)(void);
    /* The calling thread's id (what gettid returns). */
    int32_t (*tid)(void);
    /* Let another runnable thread run (sched_yield, no forwarding). */
    void (*yield)(void);
};

/* The kernel's table when running as an HRT (ring 0), NULL when the
 * program runs natively on Linux or the kernel has no table. */
static inline const struct mv_kapi *mv_kapi(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    if ((cs & 3) != 0)
        return (const struct mv_kapi *)0;
    const volatile struct mv_boot_info *bi =
        (const volatile struct mv_boot_info *)(MV_DIRECT_MAP + MV_BOOT_INFO_ADDR);
    const struct mv_kapi *k = (const struct mv_kapi *)(uintptr_t)bi->kapi;
    if (!k || k->version != MV_KAPI_VERSION)
        return (const struct mv_kapi *)0;
    return k;
}

#endif /* MV_KAPI_H */
