/* opts.c - mv-launch command-line options and their environment defaults. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"

static const char usage[] =
    "usage: mv-launch [options] [--] PROGRAM [ARGS...]\n"
    "  --kernel PATH      aerokernel ELF (default: ../kernel/aerokernel.elf next to mv-launch)\n"
    "  --mem SIZE         guest RAM, e.g. 512M or 1G (default 1G; 64M..3G)\n"
    "  --cpus N           virtual CPUs (default: $MULTIVERSE_CPUS, else half the host's\n"
    "                     CPUs, 1 to 8: 1 on a 2-core host)\n"
    "  --accel auto|kvm|tcg  (default: $MULTIVERSE_ACCEL or auto)\n"
    "  --log FILE         write the kernel log to FILE (default: $MULTIVERSE_LOG)\n"
    "  --trace            log every forwarded call with its latency\n"
    "  --debug            verbose kernel log (MV_BOOT_DEBUG)\n"
    "  --stats FILE|-     at exit, write forwarded-call counts and host time\n"
    "  --gdb PORT         QEMU gdb stub on 127.0.0.1:PORT\n"
    "  --wait-gdb         start the vCPUs stopped, waiting for gdb\n"
    "  --native LIST      optional calls to handle in the kernel (comma-separated)\n"
    "  --forward LIST     optional calls to forward to Linux (comma-separated)\n"
    "  --profile FILE     sample the program and account every forwarded call;\n"
    "                     write the raw profile to FILE (docs/profiling.md)\n"
    "  --profile-hz N     samples per second per vCPU with --profile (default 500,\n"
    "                     1..10000)\n"
    "Exit status: the program's; 128+N if it dies of signal N; 125 if the\n"
    "launcher, QEMU or the kernel fails.\n";

static _Noreturn void bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "multiverse: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(run mv-launch --help for the options)\n");
    exit(MV_EXIT_FAILURE);
}

/* "1G", "512M", "65536K", "1073741824" -> bytes, 0 if malformed. */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case '\0': break;
    default: return 0;
    }
    if (*end == 'i' || *end == 'B')
        end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
    if (*end || v > (UINT64_MAX >> shift))
        return 0;
    return (uint64_t)v << shift;
}

static long parse_int(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        bad_usage(what, s);
    return v;
}

static enum mv_accel parse_accel(const char *s)
{
    if (!strcmp(s, "auto"))
        return MV_ACCEL_AUTO;
    if (!strcmp(s, "kvm"))
        return MV_ACCEL_KVM;
    if (!strcmp(s, "tcg"))
        return MV_ACCEL_TCG;
    bad_usage("--accel must be auto, kvm or tcg (not '%s')", s);
}

/* <dir of this executable>/../kernel/aerokernel.elf, i.e. build/kernel/ when
 * mv-launch is build/ros/mv-launch. */
static const char *default_kernel(void)
{
    static char path[PATH_MAX];
    char self[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return "aerokernel.elf";
    self[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
    }
    snprintf(path, sizeof path, "%s/kernel/aerokernel.elf", self);
    return path;
}

static void set_defaults(struct mv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kernel = default_kernel();
    o->mem = 1ull << 30;
    /* half the host's CPUs (the other half runs the partners), 1 to 8:
     * 1 on a 2-core host */
    long host = sysconf(_SC_NPROCESSORS_ONLN);
    o->cpus = host >= 4 ? (unsigned)(host / 2 < 8 ? host / 2 : 8) : 1;
    const char *env = getenv("MULTIVERSE_CPUS");
    if (env && *env)
        o->cpus = (unsigned)parse_int(env, 1, 64, "MULTIVERSE_CPUS must be 1..64 (not '%s')");
    env = getenv("MULTIVERSE_ACCEL");
    if (env && *env)
        o->accel = parse_accel(env);
    env = getenv("MULTIVERSE_LOG");
    if (env && *env)
        o->log_path = env;
}

void mv_opts_parse(struct mv_opts *o, int argc, char **argv)
{
    enum { O_KERNEL = 256, O_MEM, O_CPUS, O_ACCEL, O_LOG, O_TRACE, O_DEBUG, O_STATS,
           O_GDB, O_WAIT_GDB, O_NATIVE, O_FORWARD, O_PROFILE, O_PROFILE_HZ, O_HELP };
    static const struct option longopts[] = {
        { "kernel", required_argument, 0, O_KERNEL },
        { "mem", required_argument, 0, O_MEM },
        { "cpus", required_argument, 0, O_CPUS },
        { "accel", required_argument, 0, O_ACCEL },
        { "log", required_argument, 0, O_LOG },
        { "trace", no_argument, 0, O_TRACE },
        { "debug", no_argument, 0, O_DEBUG },
        { "stats", required_argument, 0, O_STATS },
        { "gdb", required_argument, 0, O_GDB },
        { "wait-gdb", no_argument, 0, O_WAIT_GDB },
        { "native", required_argument, 0, O_NATIVE },
        { "forward", required_argument, 0, O_FORWARD },
        { "profile", required_argument, 0, O_PROFILE },
        { "profile-hz", required_argument, 0, O_PROFILE_HZ },
        { "help", no_argument, 0, O_HELP },
        { 0, 0, 0, 0 },
    };
    set_defaults(o);
    opterr = 0;
    int c;
    /* "+": stop at the first non-option, the program's name */
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case O_KERNEL: o->kernel = optarg; break;
        case O_MEM:
            o->mem = parse_size(optarg);
            if (o->mem < MV_RAM_MIN || o->mem > MV_RAM_MAX)
                bad_usage("--mem must be between 64M and 3G (not '%s')", optarg);
            o->mem = (o->mem + MV_LARGE_PAGE - 1) & ~(MV_LARGE_PAGE - 1);
            break;
        case O_CPUS:
            o->cpus = (unsigned)parse_int(optarg, 1, 64, "--cpus must be 1..64 (not '%s')");
            break;
        case O_ACCEL: o->accel = parse_accel(optarg); break;
        case O_LOG: o->log_path = optarg; break;
        case O_TRACE: o->trace = true; break;
        case O_DEBUG: o->debug = true; break;
        case O_STATS: o->stats_path = optarg; break;
        case O_GDB:
            o->gdb_port = (int)parse_int(optarg, 1, 65535, "--gdb needs a TCP port (not '%s')");
            break;
        case O_WAIT_GDB: o->wait_gdb = true; break;
        case O_NATIVE: o->native_list = optarg; break;
        case O_FORWARD: o->forward_list = optarg; break;
        case O_PROFILE:
            if (!*optarg)
                bad_usage("%s", "--profile needs a file name");
            o->profile_path = optarg;
            break;
        case O_PROFILE_HZ:
            o->profile_hz = (unsigned)parse_int(optarg, 1, MV_PROF_MAX_HZ,
                                                "--profile-hz must be 1..10000 (not '%s')");
            break;
        case O_HELP:
            fputs(usage, stdout);
            exit(0);
        default:
            bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        bad_usage("%s", "no program given: mv-launch [options] [--] PROGRAM [ARGS...]");
    if (o->wait_gdb && !o->gdb_port)
        bad_usage("%s", "--wait-gdb needs --gdb PORT");
    if (o->profile_hz && !o->profile_path)
        bad_usage("%s", "--profile-hz needs --profile FILE");
    if (o->profile_path && !o->profile_hz)
        o->profile_hz = MV_PROF_DEFAULT_HZ;
    o->prog_argv = argv + optind;
}
