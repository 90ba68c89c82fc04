/* affinity.c - keep the partners and QEMU's vCPU threads on different host
 * CPUs. A partner that shares a core with the vCPU it serves turns every
 * forwarded call into a scheduler round trip (measured on a 2-core host:
 * forwarded getppid 140-370 us sharing a core, 0.85 us apart). */

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "launch.h"

static pid_t qemu_pid;
static unsigned nr_vcpus;

void mv_affinity_target(pid_t qemu, unsigned vcpus)
{
    qemu_pid = qemu;
    nr_vcpus = vcpus;
}

/* Is task tid of process pid a vCPU thread? QEMU names them "CPU n/TCG"
 * (or "CPU n/KVM"). */
static bool is_vcpu(pid_t pid, const char *tid)
{
    char path[320], comm[32] = "";
    snprintf(path, sizeof path, "/proc/%d/task/%s/comm", (int)pid, tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool yes = fgets(comm, sizeof comm, f) && strncmp(comm, "CPU ", 4) == 0 && strchr(comm, '/');
    fclose(f);
    return yes;
}

/* Apply set to the tasks of pid (all of them, or only the vCPU threads).
 * Returns how many were moved. */
static unsigned apply(pid_t pid, const cpu_set_t *set, bool vcpus_only)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && (!vcpus_only || is_vcpu(pid, e->d_name)) &&
            sched_setaffinity((pid_t)atoi(e->d_name), sizeof *set, set) == 0)
            n++;
    closedir(d);
    return n;
}

void mv_affinity_split(void)
{
    cpu_set_t all, vcpu, partner;
    if (!qemu_pid || sched_getaffinity(0, sizeof all, &all) != 0)
        return;
    unsigned ncpu = (unsigned)CPU_COUNT(&all);
    if (ncpu < 2)
        return;
    /* vCPUs on the first CPUs, at most all but one; partners on the rest */
    unsigned want = nr_vcpus < ncpu - 1 ? nr_vcpus : ncpu - 1, k = 0;
    CPU_ZERO(&vcpu);
    CPU_ZERO(&partner);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all))
            CPU_SET(c, k++ < want ? &vcpu : &partner);
    unsigned moved = apply(qemu_pid, &vcpu, true);
    if (!moved) {
        mv_log_note("affinity: no vCPU thread found in QEMU (pid %d)", (int)qemu_pid);
        return;
    }
    apply(getpid(), &partner, false);   /* later partners inherit it */
    mv_log_note("affinity: %u vCPU thread(s) on %u host CPU(s), partners on %u", moved, want,
                ncpu - want);
}
