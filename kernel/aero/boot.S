/* boot.S - PVH entry: 32-bit protected mode to long mode on early page
 * tables (identity and kernel window over the first GiB), then kmain. */
#include "kdefs.h"
#include "param.h"

#define PHYS(x) ((x) - KVIRT)

/* XEN_ELFNOTE_PHYS32_ENTRY: QEMU reads a pointer-sized entry for ELF64. */
    .section .note.Xen, "a"
    .balign 4
    .long 4, 8, 18
    .asciz "Xen"
    .balign 4
    .quad PHYS(pvh_start)
    .balign 4

    .section .text.boot, "ax"
    .code32
    .globl pvh_start
/* Entered by qboot: flat 32-bit protected mode, paging off,
 * EBX = physical address of the hvm_start_info. Keep EBX until kmain. */
pvh_start:
    cli
    cld
    mov $PHYS(boot_stack_top), %esp
    mov $PHYS(__bss_start), %edi
    mov $PHYS(__bss_end), %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    mov %cr4, %eax
    or $(1 << 5), %eax              /* PAE */
    mov %eax, %cr4
    mov $PHYS(early_pml4), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx           /* EFER.LME */
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax            /* PG | PE */
    mov %eax, %cr0
    lgdt PHYS(early_gdt_ptr)
    ljmp $SEL_KCODE, $PHYS(long_entry)

    .code64
long_entry:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $boot_stack_top, %rsp
    movabs $high_entry, %rax
    jmp *%rax
high_entry:
    xor %ebp, %ebp                  /* ends the kernel backtrace */
    mov %ebx, %edi
    call kmain
1:  cli
    hlt
    jmp 1b

/* The other vCPUs start here in real mode after the SIPI, at
 * AP_TRAMPOLINE (the BSP copies [ap_tramp_start, ap_tramp_end) there):
 * CS = AP_TRAMPOLINE >> 4, IP = 0. To 32-bit protected mode on the
 * trampoline's GDT, then the same way as pvh_start to long mode. */
    .code16
    .globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    lgdtl ap_gdt_ptr - ap_tramp_start
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    .byte 0x66, 0xea                /* ljmpl $0x08, $PHYS(ap_pm32) */
    .long PHYS(ap_pm32)
    .word 0x08
    .balign 8
ap_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 32-bit code */
    .quad 0x00cf92000000ffff        /* data */
ap_gdt_ptr:
    .word ap_gdt_ptr - ap_gdt - 1
    .long AP_TRAMPOLINE + (ap_gdt - ap_tramp_start)
ap_tramp_end:

    .code32
ap_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $(1 << 5), %eax              /* PAE */
    mov %eax, %cr4
    mov $PHYS(early_pml4), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx           /* EFER.LME */
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax            /* PG | PE */
    mov %eax, %cr0
    lgdt PHYS(early_gdt_ptr)
    ljmp $SEL_KCODE, $PHYS(ap_long)

    .code64
ap_long:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    /* vCPU number: 1, 2, ... in the order they get here */
    movabs $ap_next, %rbx
    mov $1, %eax
    lock xadd %eax, (%rbx)
    inc %eax
    mov %eax, %edi
    cmp $MAX_CPUS, %eax
    jae 2f
    /* stack: ap_stacks + id * BOOT_STACK_SIZE (its top for id - 1) */
    imul $BOOT_STACK_SIZE, %rax
    movabs $ap_stacks, %rsp
    add %rax, %rsp
    movabs $ap_main, %rax
    xor %ebp, %ebp
    call *%rax
2:  cli
    hlt
    jmp 2b

    .data
    .balign 4
ap_next:
    .long 0
    .balign 8
early_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 64-bit code */
    .quad 0x00cf92000000ffff        /* data */
early_gdt_end:
early_gdt_ptr:
    .word early_gdt_end - early_gdt - 1
    .long PHYS(early_gdt)

/* Early page tables: PML4[0] -> identity 1 GiB, PML4[511] -> PDPT whose
 * entry 510 maps KVIRT to the same GiB. 2 MiB pages. */
    .balign 4096
early_pml4:
    .quad PHYS(early_pdpt_lo) + 3
    .fill 510, 8, 0
    .quad PHYS(early_pdpt_hi) + 3
early_pdpt_lo:
    .quad PHYS(early_pd) + 3
    .fill 511, 8, 0
early_pdpt_hi:
    .fill 510, 8, 0
    .quad PHYS(early_pd) + 3
    .quad 0
early_pd:
    .set i, 0
    .rept 512
    .quad (i << 21) | 0x83
    .set i, i + 1
    .endr

    .bss
    .balign 16
boot_stack:
    .skip BOOT_STACK_SIZE
    .globl boot_stack_top
boot_stack_top:
    .balign 16
    .globl ap_stacks
ap_stacks:
    .skip BOOT_STACK_SIZE * (MAX_CPUS - 1)
