/*
 * mv_abi.h - the contract between the aerokernel (HRT side) and the launcher
 * (ROS side). Self-contained C99; fixed-width types only; fields are only
 * ever appended, and MV_ABI_VERSION is bumped on any change. The kernel
 * stamps MV_ABI_VERSION into its image (ELF note "Multiverse", type
 * MV_NOTE_ABI); the launcher refuses a kernel with another version, and the
 * kernel refuses boot information with another version.
 *
 * Memory map. Guest RAM is one shared file (memfd) given to QEMU as
 * memory-backend-file,share=on. Guest-physical X is file offset X. Every
 * address at or above MV_CTRL_BASE is mapped at the SAME virtual address by
 * the HRT (identity, lower half) and by the launcher (mmap of the file at
 * offset X to address X), so a pointer means the same thing on both sides.
 *
 *   guest-physical / HRT-virtual / ROS-virtual
 *
 *   0x00000000 +---------------------------+  not mapped in the lower half
 *              | low memory (qboot, PVH    |  (a NULL dereference faults)
 *              | start_info, e820)         |
 *   0x00100000 +---------------------------+  MV_KERNEL_PHYS
 *              | aerokernel image + bss    |  runs at MV_KERNEL_VIRT + phys
 *              | (kernel only)             |
 *   0x00300000 +---------------------------+  MV_CTRL_BASE (shared, not mapped
 *              | mv_boot_info (4 KiB)      |  for the program in the lower half)
 *              | mv_report    (4 KiB)      |
 *              | mv_slot[MV_MAX_SLOTS]     |
 *   0x00310000 | mv_prof_area, then the    |  MV_PROF_ADDR (ABI 3, profiling)
 *              | per-vCPU profile rings    |
 *   0x00400000 +---------------------------+  MV_IMAGE_BASE = region_base
 *              | program image (ELF at its |  the program's region: identity
 *              | link address)             |  mapped with 2 MiB pages
 *              | brk heap  (grows up)      |
 *              |   ...                     |
 *              | mmap area (grows down)    |
 *              +---------------------------+  stack_low - MV_STACK_GUARD
 *              | guard (never mapped)      |
 *              +---------------------------+  stack_low
 *              | main stack                |
 *              +---------------------------+  stack_top (= region_end)
 *   ram_size   +---------------------------+
 *
 * Kernel virtual addresses: MV_DIRECT_MAP + phys maps all RAM and the LAPIC;
 * MV_KERNEL_VIRT + phys maps the first GiB (the kernel image, -mcmodel=kernel).
 */
#ifndef MV_ABI_H
#define MV_ABI_H

#include <stdint.h>

#define MV_ABI_VERSION      4u

#define MV_BOOT_MAGIC       0x544f4f4256534d4dull   /* "MMSVBOOT" */
#define MV_NOTE_NAME        "Multiverse"
#define MV_NOTE_ABI         1u          /* desc: uint32_t MV_ABI_VERSION */

#define MV_KERNEL_PHYS      0x00100000ull
#define MV_CTRL_BASE        0x00300000ull
#define MV_CTRL_SIZE        0x00100000ull
#define MV_IMAGE_BASE       0x00400000ull
#define MV_KERNEL_VIRT      0xffffffff80000000ull
#define MV_DIRECT_MAP       0xffff800000000000ull

#define MV_PAGE_SIZE        4096ull
#define MV_LARGE_PAGE       0x200000ull
#define MV_STACK_SIZE       0x00800000ull   /* main stack: 8 MiB */
#define MV_STACK_GUARD      0x00200000ull   /* one unmapped large page */
#define MV_RAM_MIN          0x04000000ull   /* 64 MiB */
#define MV_RAM_MAX          0xc0000000ull   /* 3 GiB: below microvm's hole */

#define MV_MAX_SLOTS        64u
#define MV_MAX_SYSCALLS     512u
#define MV_MAX_FRAMES       32u

/* I/O ports. The kernel log is the first serial port; the doorbell is an
 * isa-debugcon device: the HRT writes a slot index there to wake a sleeping
 * partner. */
#define MV_LOG_PORT         0x3f8u
#define MV_DOORBELL_PORT    0x402u

/* Offsets of the shared structures inside the control area. */
#define MV_BOOT_INFO_ADDR   (MV_CTRL_BASE + 0x0000ull)
#define MV_REPORT_ADDR      (MV_CTRL_BASE + 0x1000ull)
#define MV_SLOTS_ADDR       (MV_CTRL_BASE + 0x2000ull)

/* mv_boot_info.flags */
#define MV_BOOT_TRACE       0x1u        /* log every forwarded call (strace-like) */
#define MV_BOOT_DEBUG       0x2u        /* verbose kernel log */

/*
 * Boot information, written by the launcher before QEMU starts; read by the
 * kernel at boot. Fields marked (kernel) are written by the kernel.
 */
struct mv_boot_info {
    uint64_t magic;                 /* MV_BOOT_MAGIC */
    uint32_t abi_version;           /* MV_ABI_VERSION */
    uint32_t flags;                 /* MV_BOOT_* */
    uint64_t ram_size;              /* bytes of guest RAM (= file size) */
    uint64_t region_base;           /* MV_IMAGE_BASE */
    uint64_t region_end;            /* end of the program's region (= stack_top) */
    uint64_t entry;                 /* program entry point (e_entry) */
    uint64_t initial_sp;            /* rsp at entry: argc, argv, envp, auxv */
    uint64_t brk_start;             /* page-aligned end of the loaded image */
    uint64_t stack_low;             /* lowest byte of the main stack mapping */
    uint64_t stack_top;             /* one past the highest byte of the stack */
    uint32_t ncpus;                 /* vCPUs QEMU was given */
    uint32_t nr_slots;              /* usable entries of the slot array */
    int32_t  pid;                   /* the launcher's pid: the program's pid */
    int32_t  uid, gid, euid, egid;
    uint32_t reserved0;
    uint64_t tsc_hz;                /* (kernel) from MV_REQ_TIMESYNC */
    uint64_t tsc_ref;               /* (kernel) TSC at the reference instant */
    int64_t  realtime_ref_ns;       /* (kernel) CLOCK_REALTIME at tsc_ref */
    int64_t  monotonic_ref_ns;      /* (kernel) CLOCK_MONOTONIC at tsc_ref */
    char     uts[6][65];            /* struct utsname of the host, verbatim */
    uint8_t  pad0[2];
    /* Placement of optional calls: bit n set = system call n is handled
     * natively by the kernel; clear = forwarded. Calls the kernel must own
     * are native whatever this says. */
    uint8_t  native_map[MV_MAX_SYSCALLS / 8];
    uint64_t kernel_boot_tsc;       /* (kernel) TSC at the first C instruction */
    uint64_t main_entry_tsc;        /* (kernel) TSC just before jumping to the program */
    /* (ABI 3) sampling profiler: samples per second per vCPU, 0 = off */
    uint32_t prof_hz;
    uint32_t prof_flags;
    /* (ABI 3, kernel) address of the aerokernel's API table for kernel-mode
     * functions linked into the program (struct mv_kapi, mv_kapi.h); 0 if none */
    uint64_t kapi;
    /* (ABI 3, appended for placement) what the kernel's native getppid and
     * getrandom serve: the launcher's parent pid, and 32 bytes of the host's
     * getrandom seeding the kernel's generator (wiped by the kernel once read) */
    struct { int32_t ppid; uint32_t pad; uint8_t rng_seed[32]; } host;
    /* (ABI 4) signals sent to the launcher from outside (a kill, Ctrl-C at
     * its terminal): the launcher ORs in bit n-1 for signal n, the kernel
     * takes the bits (atomic exchange with 0) at its next tick or wake-up
     * and raises each as kill(getpid(), n) from another process would */
    volatile uint64_t host_sigpending;
};

/* Request codes: what a slot asks of its partner. */
enum mv_req {
    MV_REQ_NONE = 0,
    MV_REQ_SYSCALL = 1,     /* arg[0..5] = syscall args, nr = number; ret = result or -errno */
    MV_REQ_EXIT = 2,        /* arg[0] = exit status (exit_group); no reply */
    MV_REQ_FAULT = 3,       /* the program dies of a signal; details in mv_report; no reply */
    MV_REQ_PANIC = 4,       /* kernel panic; text and frames in mv_report; no reply */
    MV_REQ_TIMESYNC = 5,    /* ret = CLOCK_REALTIME ns, ret2 = CLOCK_MONOTONIC ns, arg[0] <- tsc_hz */
    MV_REQ_NOSYS = 6,       /* arg[0] = nr: the kernel refused a call it owns but lacks; report once */
    MV_REQ_READY = 7,       /* kernel is up and about to enter the program; ret ignored */
    MV_REQ_PROF_DRAIN = 8,  /* (ABI 3) a profile ring has no room for a forwarded-call
                             * record: drain every ring now; ret ignored */
};

/* Slot states. HRT: FREE -> POSTED. Partner: POSTED -> CLAIMED -> DONE.
 * HRT: DONE -> FREE after reading the result. */
enum mv_slot_state {
    MV_SLOT_FREE = 0,
    MV_SLOT_POSTED = 1,
    MV_SLOT_CLAIMED = 2,
    MV_SLOT_DONE = 3,
};

/*
 * One forwarding channel per HRT thread, two cache lines. The HRT fills the
 * IN part, then stores state = POSTED (release). The partner polls state,
 * executes, fills the OUT part and stores state = DONE (release).
 * If `partner_sleeping` is set after POSTED was stored, the HRT writes the
 * slot index to MV_DOORBELL_PORT.
 */
struct mv_slot {
    volatile uint32_t state;            /* enum mv_slot_state */
    volatile uint32_t partner_sleeping; /* set by the partner while blocked */
    /* IN */
    uint32_t req;                       /* enum mv_req */
    int32_t  tid;                       /* HRT thread id */
    int64_t  nr;                        /* system call number */
    int64_t  arg[6];
    uint64_t callsite;                  /* return address in program code */
    /* OUT */
    int64_t  ret;
    int64_t  ret2;
    /* accounting: TSC when posted (HRT), host ns spent executing (ROS) */
    uint64_t t_post;
    uint64_t host_ns;
    uint64_t seq;                       /* incremented by the HRT per request */
    /* (ABI 2) set by the HRT while a signal waits for this call to end: the
     * launcher interrupts the partner's blocking call (it returns -EINTR
     * if it had not finished); the HRT clears it after reading the reply */
    volatile uint32_t interrupt;
    uint32_t pad2;
};

/* Fault and panic report (one, since either ends the run). */
struct mv_report {
    int32_t  signal;        /* Linux signal number (MV_REQ_FAULT) */
    int32_t  vector;        /* x86 exception vector, -1 if none (abort, kill) */
    int32_t  tid;           /* HRT thread that faulted */
    uint32_t nframes;       /* valid entries of frames[] */
    uint64_t rip;           /* faulting instruction */
    uint64_t addr;          /* faulting address (CR2) or 0 */
    uint64_t error_code;
    uint64_t rsp;
    uint64_t frames[MV_MAX_FRAMES]; /* return addresses, innermost first */
    char     text[1024];    /* panic message, NUL-terminated */
};

/*
 * (ABI 3) The sampling profiler and forwarded-call accounting. Used only
 * when mv_boot_info.prof_hz is non-zero; docs/profiling.md describes it.
 *
 *   MV_PROF_ADDR        struct mv_prof_area (2 pages): sizes, one ring
 *                       header per vCPU, the native-call counters
 *   MV_PROF_RINGS_ADDR  ring i's words at MV_PROF_RINGS_ADDR + 8*i*ring_words
 *   MV_PROF_END         (the end of the control area)
 *
 * One ring of 64-bit words per vCPU: the kernel on that vCPU is its only
 * writer (timer samples and forwarded-call records, interrupts off), the
 * launcher its only reader. Word k of the stream is at index k % ring_words.
 * The writer stores a record's words, then head += length (release); the
 * reader reads up to head (acquire), then tail = what it consumed (release).
 * A sample that does not fit with MV_PROF_RESERVE words to spare is dropped
 * (counted in `dropped`); a forwarded-call record is never dropped: if it
 * does not fit, the thread posts MV_REQ_PROF_DRAIN on its slot and retries.
 *
 * Record: word 0 = type | nframes << 8 | weight << 16 | (uint64_t)tid << 32
 *   MV_PROF_REC_SAMPLE  then nframes addresses, innermost first: kernel
 *                       frames (>= MV_KERNEL_VIRT), then program frames
 *   MV_PROF_REC_IDLE    nothing more: the vCPU was halted (tid 0)
 *   MV_PROF_REC_FWD     then nr, total_ns (post to reply read, by the HRT),
 *                       host_ns (from the slot), then nframes program
 *                       addresses: the return address of the `syscall`,
 *                       then the caller chain
 * weight: sampling periods the record stands for: 1, except for IDLE (the
 * periods the halt lasted).
 */
#define MV_PROF_ADDR        (MV_CTRL_BASE + 0x10000ull)
#define MV_PROF_RINGS_ADDR  (MV_PROF_ADDR + 0x2000ull)
#define MV_PROF_END         (MV_CTRL_BASE + MV_CTRL_SIZE)
#define MV_PROF_MAX_CPUS    8u
#define MV_PROF_MAX_HZ      10000u
#define MV_PROF_MAX_ADDRS   64u     /* addresses in one record */
#define MV_PROF_RESERVE     256u    /* words a sample leaves free for FWD records */

#define MV_PROF_REC_SAMPLE  1u
#define MV_PROF_REC_IDLE    2u
#define MV_PROF_REC_FWD     3u

struct mv_prof_ring {
    volatile uint64_t head;         /* (kernel) words written */
    volatile uint64_t tail;         /* (launcher) words consumed */
    volatile uint64_t samples;      /* (kernel) sample weight taken, idle included */
    volatile uint64_t dropped;      /* (kernel) sample weight dropped: ring full */
    volatile uint64_t forwarded;    /* (kernel) FWD records written */
    volatile uint64_t drains;       /* (kernel) MV_REQ_PROF_DRAIN requests */
    volatile uint64_t missed;       /* (kernel) periods that passed while the vCPU
                                     * ran (not halted) with no timer interrupt
                                     * taken: host contention, interrupts off */
    uint64_t pad[1];
};

struct mv_prof_area {
    uint32_t ring_words;            /* (launcher) words per ring, a power of two */
    uint32_t nrings;                /* (launcher) rings (= vCPUs, <= MV_PROF_MAX_CPUS) */
    uint64_t pad[7];
    struct mv_prof_ring ring[MV_PROF_MAX_CPUS];
    /* (kernel) natively handled system calls, by number */
    volatile uint64_t native_count[MV_MAX_SYSCALLS];
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct mv_prof_ring) == 64, "mv_prof_ring is a cache line");
_Static_assert(MV_PROF_ADDR + sizeof(struct mv_prof_area) <= MV_PROF_RINGS_ADDR, "area fits");
_Static_assert(MV_SLOTS_ADDR + MV_MAX_SLOTS * 128 <= MV_PROF_ADDR, "slots end before it");
_Static_assert(sizeof(struct mv_slot) == 128, "mv_slot is two cache lines");
_Static_assert(sizeof(struct mv_boot_info) <= 4096, "mv_boot_info fits its page");
_Static_assert(sizeof(struct mv_report) <= 4096, "mv_report fits its page");
_Static_assert(MV_SLOTS_ADDR + MV_MAX_SLOTS * 128 <= MV_CTRL_BASE + MV_CTRL_SIZE, "slots fit");
#endif

#endif /* MV_ABI_H */
