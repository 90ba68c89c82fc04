/* mm.c - the final page tables (direct map + LAPIC, kernel window, the
 * program's region identity-mapped with 2 MiB pages) and address checks. */
#include "kern.h"
#include "x86.h"

#define PTE_P    0x001ull
#define PTE_W    0x002ull
#define PTE_PWT  0x008ull
#define PTE_PCD  0x010ull
#define PTE_PS   0x080ull
#define PTE_G    0x100ull
#define GIB      0x40000000ull
#define LAPIC_PHYS 0xfee00000ull

typedef uint64_t table[512] __attribute__((aligned(4096)));

static table pml4, pdpt_dm, pdpt_k, pd_k, pdpt_lo;
static table pd_dm[4];      /* direct map: 3 GiB of RAM + the GiB holding the LAPIC */
static table pd_lo[3];      /* the program's region, below 3 GiB */

static uint64_t region_lo, region_hi, guard_lo, guard_hi;

static uint64_t pa(const void *kva)
{
    return (uint64_t)kva - KVIRT;
}

static void map_large(table *pds, uint64_t va_base, uint64_t va, uint64_t phys, uint64_t flags)
{
    uint64_t off = va - va_base;
    pds[off / GIB][(off % GIB) >> 21] = phys | flags | PTE_P | PTE_PS;
}

void mm_init(void)
{
    const struct mv_boot_info *b = k_boot;
    region_lo = b->region_base;
    region_hi = b->region_end;
    guard_hi = b->stack_low;
    guard_lo = b->stack_low - MV_STACK_GUARD;

    /* direct map of all RAM, and the LAPIC uncached */
    for (uint64_t p = 0; p < b->ram_size; p += MV_LARGE_PAGE)
        map_large(pd_dm, 0, p, p, PTE_W | PTE_G);
    map_large(pd_dm, 0, LAPIC_PHYS & ~(MV_LARGE_PAGE - 1), LAPIC_PHYS & ~(MV_LARGE_PAGE - 1),
              PTE_W | PTE_G | PTE_PCD | PTE_PWT);
    for (unsigned i = 0; i < 4; i++)
        pdpt_dm[i] = pa(pd_dm[i]) | PTE_P | PTE_W;
    pml4[(MV_DIRECT_MAP >> 39) & 511] = pa(pdpt_dm) | PTE_P | PTE_W;

    /* kernel window: the first GiB at MV_KERNEL_VIRT */
    for (uint64_t p = 0; p < GIB; p += MV_LARGE_PAGE)
        pd_k[p >> 21] = p | PTE_P | PTE_W | PTE_PS | PTE_G;
    pdpt_k[(MV_KERNEL_VIRT >> 30) & 511] = pa(pd_k) | PTE_P | PTE_W;
    pml4[(MV_KERNEL_VIRT >> 39) & 511] = pa(pdpt_k) | PTE_P | PTE_W;

    /* the program's region, identity, minus the stack guard */
    for (uint64_t p = region_lo; p < region_hi; p += MV_LARGE_PAGE)
        if (p < guard_lo || p >= guard_hi)
            map_large(pd_lo, 0, p, p, PTE_W);
    for (unsigned i = 0; i < 3; i++)
        pdpt_lo[i] = pa(pd_lo[i]) | PTE_P | PTE_W;
    pml4[0] = pa(pdpt_lo) | PTE_P | PTE_W;

    write_cr4(read_cr4() | (1ull << 7));        /* PGE */
    write_cr3(pa(pml4));
    dlog(MM, "mm: region %lx-%lx, guard %lx-%lx\n", region_lo, region_hi, guard_lo, guard_hi);
}

bool mm_user_ok(uint64_t addr, uint64_t len)
{
    if (addr < region_lo || addr > region_hi || len > region_hi - addr)
        return false;
    return addr + len <= guard_lo || addr >= guard_hi;
}

void mm_load(void)
{
    write_cr3(pa(pml4));
}
