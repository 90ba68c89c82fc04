/* vdso.c - install the vDSO (vdso/user.c) in the program's region and add
 * AT_SYSINFO_EHDR to its auxiliary vector, so musl's clock_gettime, time
 * and gettimeofday read the TSC without a system call. */
#include "kern.h"
#include "vdso.h"

#define AT_NULL          0
#define AT_SYSINFO_EHDR  33
#define NR_CLOCK_GETTIME 228

extern const char vdso_blob[], vdso_blob_end[];

/* Insert (AT_SYSINFO_EHDR, base) before AT_NULL: argc, argv, envp and the
 * auxv move down 16 bytes (initial_sp with them); the strings stay put. */
static bool auxv_add(uint64_t base)
{
    uint64_t sp = k_boot->initial_sp;
    if (!mm_user_ok(sp, 8))
        return false;
    uint64_t *p = (uint64_t *)sp;
    uint64_t *end = p + 1 + p[0] + 1;               /* past argv's NULL */
    while (mm_user_ok((uint64_t)end, 8) && *end)
        end++;
    end++;                                          /* past envp's NULL */
    while (mm_user_ok((uint64_t)end, 16) && end[0] != AT_NULL) {
        if (end[0] == AT_SYSINFO_EHDR)
            return false;                           /* the launcher set one */
        end += 2;
    }
    if (!mm_user_ok((uint64_t)end, 16) || sp - 16 < k_boot->stack_low)
        return false;
    memmove((void *)(sp - 16), (void *)sp, (uint64_t)end - sp);
    end[-2] = AT_SYSINFO_EHDR;
    end[-1] = base;
    k_boot->initial_sp = sp - 16;
    return true;
}

void vdso_install(void)
{
    uint64_t size = (uint64_t)(vdso_blob_end - vdso_blob);
    if (!(k_boot->native_map[NR_CLOCK_GETTIME / 8] & (1u << (NR_CLOCK_GETTIME % 8)))) {
        kprintf("vdso: clock_gettime is forwarded, no vDSO\n");
        return;
    }
    uint64_t base = umem_reserve(VDSO_SIZE);
    if (size > VDSO_SIZE || !base) {
        kprintf("vdso: no room for the vDSO (%lu bytes)\n", size);
        return;
    }
    memcpy((void *)base, vdso_blob, size);
    struct vdso_data *d = (struct vdso_data *)(base + VDSO_DATA_OFFSET);
    time_vdso_fill(d);
    if (!auxv_add(base)) {
        kprintf("vdso: cannot add AT_SYSINFO_EHDR to the auxiliary vector\n");
        return;
    }
    dlog(BOOT, "vdso: at %lx\n", base);
}
