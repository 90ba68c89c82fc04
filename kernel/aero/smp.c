/* smp.c - bringing up the other vCPUs: the real-mode trampoline is copied
 * to AP_TRAMPOLINE, INIT-SIPI-SIPI goes to all but the boot vCPU, each one
 * comes through boot.S (ap_tramp_start -> ap_long) to ap_main, loads its own
 * GDT/TSS/IST stacks and GS base, the final page tables, its LAPIC tick, and
 * enters the scheduler's idle loop. */
#include "kern.h"
#include "x86.h"

extern char ap_tramp_start[], ap_tramp_end[];

#define ICR_INIT      0x00000500u
#define ICR_STARTUP   0x00000600u
#define ICR_ASSERT    0x00004000u
#define ICR_LEVEL     0x00008000u
#define ICR_ALL_BUT_SELF 0x000c0000u

static volatile unsigned online = 1;

unsigned k_ncpus_online(void)
{
    return online;
}

static void wait_us(uint64_t us)
{
    uint64_t end = rdtsc() + time_ns_to_tsc(us * 1000);
    while (rdtsc() < end)
        cpu_pause();
}

void smp_start(void)
{
    unsigned want = k_boot->ncpus < MAX_CPUS ? k_boot->ncpus : MAX_CPUS;
    k_cpus[0].apic_id = lapic_id();
    if (want <= 1)
        return;
    memcpy(P2V(AP_TRAMPOLINE), ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
    lapic_icr(0, ICR_ALL_BUT_SELF | ICR_INIT | ICR_ASSERT | ICR_LEVEL);
    wait_us(1000);               /* 10 ms on hardware; QEMU needs none */
    for (int i = 0; i < 2; i++) {
        lapic_icr(0, ICR_ALL_BUT_SELF | ICR_STARTUP | (AP_TRAMPOLINE >> 12));
        wait_us(200);
    }
    uint64_t end = rdtsc() + time_ns_to_tsc(200000000);   /* 200 ms */
    while (online < want && rdtsc() < end)
        cpu_pause();
    kprintf("smp: %u of %u vCPUs up\n", online, k_boot->ncpus);
}

void ap_main(unsigned id)
{
    cpu_init(id);
    mm_load();
    k_cpus[id].apic_id = lapic_id();
    lapic_start_ap();
    prof_cpu_start();
    sched_ap_enter();           /* takes its place in the idle loop; never returns */
}

/* Called by the idle loop of a vCPU once it can run threads. */
void smp_mark_online(void)
{
    __atomic_add_fetch(&online, 1, __ATOMIC_SEQ_CST);
}
