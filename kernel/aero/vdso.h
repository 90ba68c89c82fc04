/* vdso.h - the data page shared by the kernel and its vDSO (clock state). */
#ifndef AERO_VDSO_H
#define AERO_VDSO_H

#include <stdint.h>

#define VDSO_DATA_OFFSET 0x1000     /* the data page follows the code page */
#define VDSO_SIZE        0x2000

/* Written once by the kernel at boot (the clocks never re-sync). The same
 * arithmetic as time.c: ns = ref + ((tsc - tsc_ref) * ns_mult >> 32). */
struct vdso_data {
    uint64_t tsc_ref;
    uint64_t ns_mult;
    int64_t realtime_ref;
    int64_t monotonic_ref;
    uint64_t boot_tsc;              /* base of the CPU-time clocks */
};

#endif
