/* param.h - aerokernel tunables and compile-time debug switches. */
#ifndef AERO_PARAM_H
#define AERO_PARAM_H

#define KSTACK_SIZE       0x4000      /* syscall (kernel) stack per CPU */
#define IST_STACK_SIZE    0x4000      /* each IST stack */
#define BOOT_STACK_SIZE   0x4000
#define MAX_CPUS          8           /* vCPUs the kernel brings up */
#define AP_TRAMPOLINE     0x8000      /* real-mode start of the other vCPUs (SIPI vector 8) */
#define VEC_WAKE          0xf0        /* IPI: wake an idle vCPU */
#define MAX_THREADS       512         /* threads alive at once; the first MV_MAX_SLOTS
                                       * have a slot (and partner) each */

#define TICK_HZ           100         /* periodic LAPIC tick */
#define SIG_POLL_NS       100000000   /* a halted vCPU looks for signals sent to the
                                       * launcher at least this often */
#define FWD_SPIN_NS       20000       /* spin this long before backing off */
#define FWD_SPIN_BELL_NS  60000       /* ... or this long after ringing the doorbell:
                                       * a sleeping partner needs ~25-50 us to wake */
#define FWD_BACKOFF_NS    50000       /* first back-off sleep */
#define FWD_BACKOFF_MAX   4000000     /* back-off sleeps double up to this, and
                                       * to at most a quarter of the wait so far */
#define FWD_SPIN_PRE_SYNC 200         /* pause iterations before tsc_hz is known */

#define UMEM_MAX_RANGES   1024        /* free ranges the allocator can track */

/* Per-subsystem debug logs: 1 compiles them in (printed when the boot
 * flags have MV_BOOT_DEBUG), 0 compiles them away. */
#define DEBUG_BOOT        1
#define DEBUG_MM          0
#define DEBUG_UMEM        1
#define DEBUG_SIG         1
#define DEBUG_FWD         0
#define DEBUG_TRAP        1

#endif
