/* cpu.c - descriptor tables (GDT, TSS with IST stacks, IDT), per-CPU data on
 * GS, control registers, SSE/XSAVE, and the syscall MSRs. */
#include "kern.h"
#include "x86.h"

_Static_assert(offsetof(struct cpu, self) == CPU_SELF, "CPU_SELF");
_Static_assert(offsetof(struct cpu, kstack_top) == CPU_KSTACK, "CPU_KSTACK");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_URSP, "CPU_URSP");
_Static_assert(offsetof(struct trapframe, vector) == TF_VECTOR, "TF_VECTOR");
_Static_assert(offsetof(struct trapframe, rip) == TF_RIP, "TF_RIP");
_Static_assert(offsetof(struct trapframe, rsp) == TF_RSP, "TF_RSP");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
};

struct dt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

struct cpu k_cpus[MAX_CPUS];
static struct tss tss_of[MAX_CPUS] __attribute__((aligned(16)));
static uint64_t gdt_of[MAX_CPUS][5] __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t kstack[KSTACK_SIZE] __attribute__((aligned(16)));
static uint8_t ist_stack[MAX_CPUS][3][IST_STACK_SIZE] __attribute__((aligned(16)));

static void gdt_load(unsigned id)
{
    struct tss *t = &tss_of[id];
    uint64_t *gdt = gdt_of[id];
    uint64_t base = (uint64_t)t, limit = sizeof *t - 1;
    gdt[0] = 0;
    gdt[SEL_KCODE / 8] = 0x00af9a000000ffffull;
    gdt[SEL_KDATA / 8] = 0x00cf92000000ffffull;
    gdt[SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
                       ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[SEL_TSS / 8 + 1] = base >> 32;
    struct dt_ptr p = { sizeof gdt_of[id] - 1, (uint64_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%ss\n\t"
                     "ltr %w3"
                     : : "m"(p), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS) : "rax", "memory");
}

static unsigned ist_for(unsigned vec)
{
    if (vec == 2 || vec == 8 || vec == 18)
        return IST_NMI;
    return vec < 32 ? IST_EXC : IST_IRQ;
}

static void idt_load(unsigned id)
{
    for (unsigned i = 0; i < 3; i++)
        tss_of[id].ist[i] = (uint64_t)ist_stack[id][i] + IST_STACK_SIZE;
    tss_of[id].iomap_base = sizeof tss_of[id];
    for (unsigned v = 0; v < 256 && id == 0; v++) {
        uint64_t h = (uint64_t)mv_isr_table + v * ISR_STUB_SIZE;
        idt[v] = (struct idt_gate){
            .off_lo = h & 0xffff, .sel = SEL_KCODE, .ist = (uint8_t)ist_for(v),
            .type = 0x8e, .off_mid = (h >> 16) & 0xffff, .off_hi = (uint32_t)(h >> 32),
        };
    }
    struct dt_ptr p = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

/* FPU, SSE and (when offered) XSAVE with x87|SSE|AVX for the program. */
static void fpu_init(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    uint64_t cr0 = read_cr0();
    cr0 &= ~((1ull << 2) | (1ull << 3));            /* EM, TS */
    cr0 |= (1ull << 1) | (1ull << 5) | (1ull << 16); /* MP, NE, WP */
    write_cr0(cr0);
    uint64_t cr4 = read_cr4();
    cr4 &= ~((1ull << 20) | (1ull << 21));          /* SMEP, SMAP off */
    cr4 |= (1ull << 9) | (1ull << 10);              /* OSFXSR, OSXMMEXCPT */
    bool xsave = r[2] & (1u << 26), avx = r[2] & (1u << 28);
    if (xsave)
        cr4 |= 1ull << 18;                          /* OSXSAVE */
    write_cr4(cr4);
    if (xsave)
        xsetbv(0, avx ? 7 : 3);
    __asm__ volatile("fninit");
    dlog(BOOT, "cpu: sse on, xsave %s, avx %s\n", xsave ? "yes" : "no", avx ? "yes" : "no");
}

void cpu_init(unsigned id)
{
    struct cpu *c = &k_cpus[id];
    c->self = c;
    c->id = id;
    c->kstack_top = (uint64_t)kstack + KSTACK_SIZE;    /* until a thread runs */
    gdt_load(id);
    idt_load(id);
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_FS_BASE, 0);
    fpu_init();
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, (uint64_t)SEL_KCODE << 32 | (uint64_t)SEL_KCODE << 48);
    wrmsr(MSR_LSTAR, (uint64_t)mv_syscall_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
}
