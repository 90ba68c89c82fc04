/* entry.S - exception/interrupt stubs, the ring-0 `syscall` entry and the
 * two ways back to program code (iretq, or popfq + jmp for syscalls). */
#include "kdefs.h"

.macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

    .text
    .code64

/* 256 stubs, 16 bytes apart: push a zero error code where the CPU pushes
 * none, push the vector, join trap_common. Every IDT gate uses an IST stack. */
    .balign 16
    .globl mv_isr_table
mv_isr_table:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    push $0
    .endif
    push $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    PUSH_GPRS
    mov %rsp, %rdi
    cld
    call trap_handle
iret_path:
    POP_GPRS
    add $16, %rsp
    iretq

/* void trap_return(struct trapframe *tf): load tf and iretq. */
    .globl trap_return
trap_return:
    mov %rdi, %rsp
    jmp iret_path

/* Ring-0 `syscall`: RCX = return RIP, R11 = RFLAGS, IF/DF/TF/AC cleared.
 * Switch to the kernel stack without touching the program's stack, build a
 * trap frame, dispatch. Fast return: restore RFLAGS with popfq on the kernel
 * stack, switch to the program's stack, jump; nothing goes below its rsp. */
    .globl mv_syscall_entry
mv_syscall_entry:
    mov %rsp, %gs:CPU_URSP
    mov %gs:CPU_KSTACK, %rsp
    push $SEL_KDATA
    push %gs:CPU_URSP
    push %r11
    push $SEL_KCODE
    push %rcx
    push $0
    push $VEC_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    call sys_enter
    test %eax, %eax
    jnz iret_path
    /* C code preserved rbx, rbp, r12-r15 and the fast return changes none
     * of them; rcx and r11 are reloaded below: restore only the rest. */
    add $(4 * 8), %rsp              /* r15 r14 r13 r12 */
    add $8, %rsp                    /* r11 */
    pop %r10
    pop %r9
    pop %r8
    add $8, %rsp                    /* rbp */
    pop %rdi
    pop %rsi
    pop %rdx
    add $(2 * 8), %rsp              /* rcx rbx */
    pop %rax
    mov 16(%rsp), %rcx              /* rip */
    mov 32(%rsp), %r11              /* rflags */
    add $32, %rsp                   /* -> rflags */
    popfq                           /* -> saved rsp */
    mov (%rsp), %rsp
    jmp *%rcx

/* void ctx_switch(uint64_t *save_ksp, uint64_t new_ksp): save the
 * callee-saved registers on this kernel stack, store rsp, continue on the
 * other thread's kernel stack where it called ctx_switch (or at
 * thread_first for a new thread). */
    .globl ctx_switch
ctx_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

/* A new thread's first return: its trap frame is right above. The kernel
 * lock came with the vCPU: drop it on the way out. */
    .globl thread_first
thread_first:
    call k_unlock
    jmp iret_path

/* The boot vCPU's idle thread starts here (SMP). */
    .globl idle_first
idle_first:
    call sched_idle_loop
    ud2

/* void preempt_switch(struct trapframe *tf): tf is a copy, on the current
 * thread's kernel stack, of the frame a timer interrupt pushed on its IST
 * stack. Continue on the kernel stack (the IST frame is abandoned), let
 * another thread run, and return to the program through tf. */
    .globl preempt_switch
preempt_switch:
    mov %rdi, %rsp
    call sched_preempted
    jmp iret_path
