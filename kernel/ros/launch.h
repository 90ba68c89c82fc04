/* launch.h - internal interfaces of the ROS-side launcher (mv-launch). */
#ifndef MV_LAUNCH_H
#define MV_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mv_abi.h"

/* Exit status for every failure that is not the program's own. */
#define MV_EXIT_FAILURE 125

enum mv_accel { MV_ACCEL_AUTO, MV_ACCEL_KVM, MV_ACCEL_TCG };

/* Command-line options (opts.c). */
struct mv_opts {
    const char *kernel;         /* aerokernel ELF */
    uint64_t mem;               /* guest RAM bytes, multiple of 2 MiB */
    unsigned cpus;
    enum mv_accel accel;
    const char *log_path;       /* kernel log file, or NULL */
    bool trace;
    bool debug;                 /* MV_BOOT_DEBUG: verbose kernel log */
    const char *stats_path;     /* "-" = stderr, or NULL */
    int gdb_port;               /* 0 = no gdb stub */
    bool wait_gdb;
    const char *native_list;    /* comma-separated OPT call names, or NULL */
    const char *forward_list;
    const char *profile_path;   /* raw profile file (--profile), or NULL */
    unsigned profile_hz;        /* samples per second per vCPU (--profile-hz) */
    char **prog_argv;           /* PROGRAM ARGS..., NULL-terminated */
};

/* Default --profile-hz: measured to cost at most 3% under TCG here
 * (docs/profiling.md, "Overhead"). */
#define MV_PROF_DEFAULT_HZ 500u

/* The program image as loaded into the region (elf.c). */
struct mv_image {
    const char *path;
    uint64_t entry;             /* relocated e_entry */
    uint64_t phdr;              /* address of the program headers in the region */
    uint64_t phent, phnum;
    uint64_t bias;              /* load bias: 0 for ET_EXEC */
    uint64_t lo, hi;            /* lowest and one past the highest loaded byte */
    uint64_t brk_start;         /* page-aligned hi */
};

/* The shared region: guest RAM mapped at guest-physical = launcher-virtual. */
struct mv_region {
    int fd;                     /* memfd (private descriptor) */
    uint64_t ram_size;
    uint64_t base, end;         /* the program's part: [MV_IMAGE_BASE, stack_top) */
    struct mv_boot_info *boot;
    struct mv_report *report;
    struct mv_slot *slots;
};

/* ---- opts.c ---- */

/* Parse argv into *o (defaults from the environment). On a usage error
 * prints "multiverse: ..." and exits MV_EXIT_FAILURE; --help exits 0. */
void mv_opts_parse(struct mv_opts *o, int argc, char **argv);

/* ---- log.c ---- */

/* Print "multiverse: " + formatted text + newline on stderr. */
void mv_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* mv_msg, then tear down and exit MV_EXIT_FAILURE. Never returns. */
_Noreturn void mv_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open the kernel log sink (NULL = memory tail only). Fails the run on error. */
void mv_log_open(const char *path);
/* Consume kernel-log bytes: append them to the log file and to the tail of
 * the last lines kept in memory. */
void mv_log_feed(const char *buf, size_t n);
/* Write one launcher line (trace, notes) into the log file, or stderr when
 * there is no log file. The line gets a "[ros] " prefix and a newline. */
void mv_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write one launcher diagnostic ("[ros] ..." line) into the log file and the
 * in-memory tail only: never on the program's stderr. Thread-safe enough
 * for diagnostics (one write per line). */
void mv_log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the kernel-log tail on stderr, each line indented. */
void mv_log_dump_tail(void);

/* ---- fds.c ---- */

/* Move fd to a number >= the private base (close-on-exec) and remember it
 * as the launcher's. Returns the new number; fails the run on error. */
int mv_fd_private(int fd);
/* Forget a private descriptor and close it. */
void mv_fd_close(int fd);
/* True if fd is one of the launcher's private descriptors. */
bool mv_fd_is_private(long fd);

/* ---- region.c ---- */

/* Create the memfd of o->mem bytes and map [MV_CTRL_BASE, ram_size) at the
 * same addresses. Fails the run with a clear message if a range is taken. */
void mv_region_create(struct mv_region *r, uint64_t ram_size);
/* True if [addr, addr+len) lies inside the program's region; an empty range
 * is always accepted. Overflow-safe. */
bool mv_region_ok(const struct mv_region *r, uint64_t addr, uint64_t len);
/* True if a NUL-terminated string starts at addr and ends inside the region. */
bool mv_region_str_ok(const struct mv_region *r, uint64_t addr);
/* Fault in the pages of [addr, addr+len) (inside the mapped region). */
void mv_region_prefault(uint64_t addr, uint64_t len);
/* Drop the mapping and the memfd. Idempotent; async-signal-safe. */
void mv_region_destroy(struct mv_region *r);

/* ---- elf.c ---- */

/* Check that path is an aerokernel whose ABI note equals MV_ABI_VERSION.
 * Fails the run with a clear message otherwise. */
void mv_elf_check_kernel(const char *path);
/* Validate the program (a static x86-64 ELF, not dynamically linked), or
 * fail the run with a message saying how to rebuild it. */
void mv_elf_probe(const char *path);
/* Load the program's PT_LOAD segments into the region (bss zeroed) and
 * fill *img. Fails the run if a segment falls outside the region. */
void mv_elf_load(const char *path, const struct mv_region *r, struct mv_image *img);

/* ---- stack.c ---- */

/* Build argc/argv/envp/auxv at the top of the main stack and fill the boot
 * information entirely. Fails the run if the arguments do not fit. */
void mv_stack_build(struct mv_region *r, const struct mv_image *img,
                    const struct mv_opts *o, char **envp);

/* ---- check.c (the system-call table and the argument checker) ---- */

enum mv_sys_class { MV_CLS_NONE = 0, MV_CLS_OWN, MV_CLS_OPT, MV_CLS_FWD, MV_CLS_OPTF };

/* Name of system call nr from our table or the host's list, or NULL. */
const char *mv_sys_name(long nr);
/* Class of nr in mv_syscalls.h (MV_CLS_NONE if not listed). */
enum mv_sys_class mv_sys_class(long nr);
/* Fill a MV_MAX_SYSCALLS-bit map with the default native set (OWN + OPT;
 * OPTF calls are forwarded by default), then apply the comma-separated
 * --native / --forward lists of OPT and OPTF names.
 * Returns NULL, or a message naming a bad entry. */
const char *mv_sys_placement(uint8_t *map, const char *native, const char *forward);

/* True if argument i of nr is a string (for tracing). */
bool mv_sys_arg_is_str(long nr, int i);
/* Number of meaningful arguments of nr (the last non-X kind), 6 if unknown. */
int mv_sys_nargs(long nr);

/* A forwarded call prepared for execution: the arguments actually passed
 * (pointers may point at launcher-side copies) and what to copy back. */
struct mv_call {
    long nr;
    long a[6];
    /* TOCTOU-safe copies of guest control structures */
    struct mv_iov { uint64_t base, len; } iov[1024];
    unsigned char msg[56];      /* struct msghdr */
    uint32_t outp_len;          /* copy of a socklen_t capacity */
    uint64_t outp_guest;        /* where to write it back (0 = none) */
    uint64_t msg_guest;         /* guest msghdr to update after recvmsg */
};

/* Check syscall nr with guest arguments args[6] against the region and the
 * table, and prepare *c. Returns 0 if the call may run, or a negative errno
 * to return to the program instead (-EFAULT bad pointer, -EBADF launcher
 * descriptor, -ENOSYS not allowed...), after logging a diagnostic. */
long mv_check(const struct mv_region *r, long nr, const int64_t args[6], struct mv_call *c);
/* Execute a prepared call on the host and perform its copy-backs.
 * Returns the raw result (>= 0 or -errno). */
long mv_execute(const struct mv_region *r, struct mv_call *c);
/* Check one guest range; on failure logs "what" and returns false. */
bool mv_check_range(const struct mv_region *r, uint64_t addr, uint64_t len,
                    long nr, const char *what);

/* ---- special.c (hand-written checkers for SPECIAL calls) ---- */

/* Check and prepare a SPECIAL call. Same contract as mv_check. */
long mv_check_special(const struct mv_region *r, struct mv_call *c);
/* Copy-back work after a SPECIAL call ran (recvmsg, OUTP...). */
void mv_special_after(const struct mv_region *r, struct mv_call *c, long ret);

/* ---- affinity.c ---- */
/* Remember QEMU's pid and vCPU count for mv_affinity_split. */
void mv_affinity_target(pid_t qemu, unsigned vcpus);
/* With 2 or more host CPUs, pin QEMU's vCPU threads ("CPU n/...") to the
 * first min(vcpus, CPUs - 1) CPUs and the launcher's threads to the rest.
 * Called once the kernel is up (MV_REQ_READY), when the vCPUs exist. */
void mv_affinity_split(void);

/* ---- partner.c ---- */

/* Slots (and so partners) the launcher serves: one per HRT thread. */
#define MV_NR_SLOTS MV_MAX_SLOTS

/* Prepare slots [0, nr_slots) and start the partner of slot 0; the others
 * are created on their slot's first doorbell. event_fd: written once when a
 * partner sees the run end. door_fd: the doorbell pipe's read end (non-
 * blocking), read by sleeping partners and by the main loop. Fails the run
 * on error. */
void mv_partners_init(struct mv_region *r, unsigned nr_slots, int event_fd, int door_fd);
/* A doorbell byte for slot idx arrived: wake its partner, or create it.
 * Thread-safe. */
void mv_partner_ring(unsigned idx);
/* Record the launcher-start reference for the TSC frequency measurement. */
void mv_partner_clock_init(void);
/* How the run ends, as reported by a partner. */
enum mv_end { MV_END_NONE, MV_END_EXIT, MV_END_FAULT, MV_END_PANIC, MV_END_SIGNAL };
/* The ending a partner recorded, or one still posted in a slot (used once
 * QEMU is gone); *status gets the exit status or signal number. */
enum mv_end mv_partner_ending(const struct mv_region *r, int *status);
/* Nanoseconds between launcher start and MV_REQ_READY, or 0. */
uint64_t mv_partner_ready_ns(void);
/* Enable the strace-like log of forwarded calls. */
void mv_partner_trace(bool on);

/* ---- stats.c ---- */

/* Account one forwarded call of host_ns nanoseconds. Thread-safe. */
void mv_stats_add(long nr, uint64_t host_ns);
/* Open the statistics destination now (path "-" = stderr, NULL = none), so
 * that a bad path fails early and a later chdir does not matter. */
void mv_stats_open(const char *path);
/* Write the final statistics once (later calls do nothing). To stderr: a
 * header line, then one line per forwarded call "NAME CALLS TOTAL_US AVG_US"
 * by total time. To a file: a last JSON line with "final": true. */
void mv_stats_write(void);
/* True if statistics go to a file, which then gets a JSON line per second:
 * {"forwarded":N,"host_us":T,"ready_ms":R,"final":false,
 *  "calls":{"NAME":{"count":C,"total_us":T}...}}
 * (ready_ms: launcher start to MV_REQ_READY, 0 before it). */
bool mv_stats_live(void);
/* Append one JSON line with the counts so far (file destinations only). */
void mv_stats_snapshot(void);

/* ---- qemu.c ---- */

/* Resolve the accelerator: auto becomes kvm only if /dev/kvm opens
 * read-write and the CPU advertises vmx/svm. */
enum mv_accel mv_qemu_accel(enum mv_accel want);
/* Start QEMU on the region. log_w and door_w are pipe write ends handed to
 * QEMU (closed in the launcher afterwards); err_w receives QEMU's stderr.
 * Returns QEMU's pid; fails the run if QEMU cannot be started. */
pid_t mv_qemu_spawn(const struct mv_opts *o, enum mv_accel accel,
                    const struct mv_region *r, int log_w, int door_w, int err_w);
/* QEMU's pid while it runs, else 0. */
pid_t mv_qemu_pid(void);
/* SIGKILL and reap QEMU if it runs. Idempotent; async-signal-safe. */
void mv_qemu_kill(void);
/* Reap QEMU after it exited; describe its status into buf. */
void mv_qemu_reap(char *buf, size_t n);
/* Feed bytes of QEMU's stderr; the tail is kept for error messages. */
void mv_qemu_err_feed(const char *buf, size_t n);
/* Print QEMU's stderr tail, indented, on stderr. */
void mv_qemu_err_dump(void);

/* ---- symbolize.c ---- */

/* Print one line per frame "    #i 0xADDR in FUNC at FILE:LINE", using
 * binutils' addr2line on elf. pcs[0] is exact; later ones are return
 * addresses (looked up at pc-1). bias is subtracted first. */
void mv_symbolize(const char *elf, const uint64_t *pcs, unsigned n, uint64_t bias);

/* ---- profile.c (--profile: the raw profile file, docs/profiling.md) ---- */

/* Create the profile file now (path NULL = profiling off), so that a bad
 * path fails early; writes its first line. Fails the run on error. */
void mv_prof_open(const char *path);
/* After mv_stack_build: size the per-vCPU rings of the profile area, set
 * boot->prof_hz, write the H line. Nothing without a profile file. */
void mv_prof_setup(struct mv_region *r, const struct mv_opts *o, const char *prog_path,
                   enum mv_accel accel);
/* Start the drain thread (every few ms). */
void mv_prof_start(void);
/* Drain every ring into the file now (MV_REQ_PROF_DRAIN). Thread-safe. */
void mv_prof_drain(void);
/* The last drain, the N lines and the E line with the launcher's exit
 * status; call on every ending, after QEMU is stopped when possible.
 * Later calls do nothing. Thread-safe. */
void mv_prof_end(int status);

/* ---- launch.c ---- */

/* Tear down: kill and reap QEMU, unmap and close the region. Idempotent. */
void mv_teardown(void);

#endif /* MV_LAUNCH_H */
