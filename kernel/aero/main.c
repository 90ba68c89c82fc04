/* main.c - kmain: the boot sequence from the first C instruction to the
 * program's entry point; the ABI note in the image. */
#include "kern.h"
#include "x86.h"

#define PVH_START_MAGIC 0x336ec578u

/* The ABI version note the launcher checks (name MV_NOTE_NAME). */
static const struct {
    uint32_t namesz, descsz, type;
    char name[12];
    uint32_t version;
} abi_note __attribute__((used, section(".note.mv"), aligned(4))) = {
    sizeof MV_NOTE_NAME, 4, MV_NOTE_ABI, MV_NOTE_NAME, MV_ABI_VERSION,
};
_Static_assert(sizeof MV_NOTE_NAME <= 12, "note name fits");

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

struct mv_boot_info *k_boot = (struct mv_boot_info *)(KVIRT + MV_BOOT_INFO_ADDR);

bool k_verbose(void)
{
    return k_boot->flags & MV_BOOT_DEBUG;
}

/* Highest RAM address qboot reports (0 if there is no PVH start_info). */
static uint64_t pvh_ram_top(uint32_t start_info)
{
    const struct hvm_start_info *si = (const void *)(KVIRT + start_info);
    if (!start_info || si->magic != PVH_START_MAGIC) {
        kprintf("boot: no PVH start_info (ebx=%x)\n", start_info);
        return 0;
    }
    uint64_t top = 0;
    const struct hvm_memmap_entry *e = (const void *)(KVIRT + si->memmap_paddr);
    for (uint32_t i = 0; si->version >= 1 && i < si->memmap_entries && e[i].size; i++) {
        dlog(BOOT, "boot: e820 %lx-%lx type %u\n", e[i].addr, e[i].addr + e[i].size, e[i].type);
        if (e[i].type == 1 && e[i].addr + e[i].size > top)
            top = e[i].addr + e[i].size;
    }
    return top;
}

static void check_boot_info(uint64_t ram_top)
{
    struct mv_boot_info *b = k_boot;
    if (b->magic != MV_BOOT_MAGIC)
        mv_panic("no Multiverse boot information at %lx (magic %lx): start the kernel with "
                 "mv-launch", (uint64_t)MV_BOOT_INFO_ADDR, b->magic);
    if (b->abi_version != MV_ABI_VERSION)
        mv_panic("boot information has ABI version %u, this aerokernel speaks version %u: "
                 "rebuild the launcher and the kernel together", b->abi_version,
                 MV_ABI_VERSION);
    if (b->region_base != MV_IMAGE_BASE || b->region_end > b->ram_size ||
        b->stack_low < b->region_base + MV_STACK_GUARD || b->stack_top != b->region_end ||
        (b->region_end | b->stack_low) & (MV_LARGE_PAGE - 1) || b->ram_size > MV_RAM_MAX ||
        (ram_top && b->ram_size > ram_top) || b->brk_start > b->stack_low - MV_STACK_GUARD)
        mv_panic("inconsistent boot information: region %lx-%lx stack %lx-%lx ram %lx "
                 "(e820 top %lx)", b->region_base, b->region_end, b->stack_low, b->stack_top,
                 b->ram_size, ram_top);
}

/* Enter the program: rsp = initial_sp, rdx = 0, IF = 1, ring 0. */
static _Noreturn void enter_program(void)
{
    struct trapframe tf;
    memset(&tf, 0, sizeof tf);
    tf.rip = k_boot->entry;
    tf.rsp = k_boot->initial_sp;
    tf.cs = SEL_KCODE;
    tf.ss = SEL_KDATA;
    tf.rflags = RFLAGS_IF | 0x2;
    trap_return(&tf);
}

void kmain(uint32_t start_info)
{
    uint64_t t0 = rdtsc();
    con_init();
    kprintf("aerokernel: ABI %u, booting\n", MV_ABI_VERSION);
    uint64_t ram_top = pvh_ram_top(start_info);
    cpu_init(0);
    check_boot_info(ram_top);
    k_boot->kernel_boot_tsc = t0;
    sched_init();
    mm_init();
    lapic_init();
    time_sync();
    prof_init();
    lapic_start_tick();
    umem_init();
    sig_init();
    vdso_install();
    kapi_init();
    smp_start();
    uint64_t t1 = rdtsc();
    k_boot->main_entry_tsc = t1;
    kprintf("aerokernel: up in %lu us (kmain tsc %lu, program entry tsc %lu); entering %lx, "
            "sp %lx\n", time_tsc_to_ns(t1 - t0) / 1000, t0, t1, k_boot->entry,
            k_boot->initial_sp);
    fwd_request(MV_REQ_READY, 0, NULL, 0, NULL);
    k_unlock();                 /* (SMP) the forwarded call above took the lock */
    enter_program();
}
