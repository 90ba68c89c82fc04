/* stub.S - a stand-in aerokernel for testing the launcher alone: boots by
 * PVH in 32-bit mode (paging off, so physical = launcher-virtual addresses),
 * speaks the slot protocol, and acts on the program's argv[1]:
 *   fault  post MV_REQ_FAULT (SIGSEGV at the program's entry, address 0)
 *   panic  post MV_REQ_PANIC
 *   hang   wait forever (for signal tests)
 *   quit   triple-fault, so QEMU exits on its own
 *   badptr forward write(1, 0x10, 5): must fail with EFAULT, exit 0 if so
 *   multi  write argv[1] through slot 1 (its partner is created on demand)
 *   other  forward write(1, argv[1], strlen) and "\n", then exit(argc)
 * The program ELF itself is loaded but never run. */

#define BOOT    0x300000
#define REPORT  0x301000
#define SLOT    0x302000
#define S_STATE 0
#define S_SLEEP 4
#define S_REQ   8
#define S_NR    16
#define S_ARG   24
#define S_RET   80

    .section .note.Xen, "a"
    .balign 4
    .long 4, 4, 18              /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start
    .balign 4
    .long 11, 4, 1              /* MV_NOTE_NAME, MV_NOTE_ABI */
    .asciz "Multiverse"
    .balign 4
#ifndef STUB_ABI
#define STUB_ABI 1
#endif
    .long STUB_ABI              /* MV_ABI_VERSION */

    .text
    .code32
    .globl _start
_start:
    cli
    mov $stack_top, %esp
    mov $msg_boot, %esi
    call serial
    mov $5, %eax                /* TIMESYNC */
    call post
    mov $7, %eax                /* READY */
    call post
    mov BOOT + 48, %ebx         /* initial_sp */
    mov (%ebx), %ecx            /* argc */
    mov %ecx, argc
    cmp $2, %ecx
    jb exit_argc
    mov 16(%ebx), %esi          /* argv[1] */
    mov (%esi), %al
    cmp $'f', %al
    je fault
    cmp $'p', %al
    je panic
    cmp $'h', %al
    je hang
    cmp $'q', %al
    je quit
    cmp $'b', %al
    je badptr
    mov $SLOT, %ebp
    cmp $'m', %al
    jne 3f
    mov $SLOT + 128, %ebp       /* slot 1 */
3:  mov %esi, %edi              /* strlen */
    xor %ecx, %ecx
1:  cmpb $0, (%edi, %ecx)
    je 2f
    inc %ecx
    jmp 1b
2:  call write1
    mov BOOT + 32, %esi         /* region_end: a newline just below it */
    sub $1, %esi
    movb $10, (%esi)
    mov $1, %ecx
    call write1
exit_argc:
    mov argc, %eax
    mov %eax, SLOT + S_ARG
    movl $0, SLOT + S_ARG + 4
    mov $2, %eax                /* EXIT */
    call post
hang:
    hlt
    jmp hang

/* write(1, %esi, %ecx) through the slot at %ebp */
write1:
    movl $1, S_NR(%ebp)
    movl $0, S_NR + 4(%ebp)
    movl $1, S_ARG(%ebp)
    movl $0, S_ARG + 4(%ebp)
    mov %esi, S_ARG + 8(%ebp)
    movl $0, S_ARG + 12(%ebp)
    mov %ecx, S_ARG + 16(%ebp)
    movl $0, S_ARG + 20(%ebp)
    mov $1, %eax                /* SYSCALL */
    jmp post_at

badptr:
    mov $SLOT, %ebp
    mov $0x10, %esi
    mov $5, %ecx
    call write1
    xor %eax, %eax
    cmpl $-14, SLOT + S_RET     /* -EFAULT */
    je 1f
    mov $1, %eax
1:  mov %eax, argc
    jmp exit_argc

fault:
    movl $11, REPORT + 0        /* signal */
    movl $14, REPORT + 4        /* vector */
    movl $1, REPORT + 12        /* nframes */
    mov BOOT + 40, %eax         /* entry */
    mov %eax, REPORT + 16       /* rip */
    mov %eax, REPORT + 48       /* frames[0] */
    movl $0, REPORT + 24        /* addr */
    mov $3, %eax
    call post
    jmp hang

panic:
    mov $msg_panic, %esi
    call serial
    mov $msg_panic, %esi
    mov $REPORT + 304, %edi     /* text */
1:  lodsb
    stosb
    test %al, %al
    jnz 1b
    movl $0, REPORT + 12
    movl $panic, REPORT + 16
    mov $4, %eax
    call post
    jmp hang

quit:
    lidt idt_null
    int3

/* Post request %eax in slot 0 (post) or the slot at %ebp (post_at) and
 * wait for DONE; ring if the partner sleeps. */
post:
    mov $SLOT, %ebp
post_at:
    mov %eax, S_REQ(%ebp)
    movl $1, S_STATE(%ebp)      /* POSTED */
    mfence
    cmpl $0, S_SLEEP(%ebp)
    je 1f
    mov %ebp, %eax              /* slot index = (ebp - SLOT) / 128 */
    sub $SLOT, %eax
    shr $7, %eax
    mov $0x402, %dx
    outb %al, %dx
1:  cmpl $2, S_REQ(%ebp)        /* EXIT, FAULT, PANIC get no reply */
    je 3f
    cmpl $3, S_REQ(%ebp)
    je 3f
    cmpl $4, S_REQ(%ebp)
    je 3f
2:  pause
    cmpl $3, S_STATE(%ebp)      /* DONE */
    jne 2b
    movl $0, S_STATE(%ebp)
3:  ret

/* Print the NUL-terminated string at %esi on the serial port. */
serial:
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  ret

    .data
msg_boot:  .asciz "stub: booted\n"
msg_panic: .asciz "stub: deliberate panic\n"
    .balign 8
idt_null:  .word 0
           .long 0
argc:      .long 0

    .bss
    .balign 16
    .skip 4096
stack_top:
