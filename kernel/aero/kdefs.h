/* kdefs.h - constants shared by the assembly and the C side of the aerokernel. */
#ifndef AERO_KDEFS_H
#define AERO_KDEFS_H

#define KVIRT         0xffffffff80000000
#define KERNEL_PHYS   0x100000

/* GDT selectors */
#define SEL_KCODE     0x08
#define SEL_KDATA     0x10
#define SEL_TSS       0x18

/* struct cpu field offsets (checked by _Static_assert in cpu.c) */
#define CPU_SELF      0
#define CPU_KSTACK    8
#define CPU_URSP      16

/* trap frame: 15 GPRs, vector, error, then the hardware iret frame */
#define TF_VECTOR     (15 * 8)
#define TF_RIP        (17 * 8)
#define TF_CS         (18 * 8)
#define TF_RFLAGS     (19 * 8)
#define TF_RSP        (20 * 8)
#define TF_SIZE       (22 * 8)

#define VEC_SYSCALL   0x100       /* TF vector for a frame built by `syscall` */
#define VEC_TIMER     0x20
#define VEC_SPURIOUS  0xff

/* IST indexes */
#define IST_IRQ       1           /* external interrupts */
#define IST_NMI       2           /* NMI, #DF, #MC */
#define IST_EXC       3           /* all other exceptions */

#endif
