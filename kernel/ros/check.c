/* check.c - the system-call table (from mv_syscalls.h) and the argument checker. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "launch.h"

enum kind {
    K_X, K_FD, K_STR, K_STRN, K_IN, K_OUT, K_INF, K_OUTF, K_INFN, K_OUTFN,
    K_OUTP, K_IOVIN, K_IOVOUT, K_SPECIAL,
};

struct arg_kind {
    uint8_t kind;
    uint16_t n;     /* argument index (IN, OUT, OUTP, IOV*) or byte size (*F*) */
};

struct sys_entry {
    const char *name;
    uint8_t cls;
    struct arg_kind a[6];
};

#define X           { K_X, 0 }
#define FD          { K_FD, 0 }
#define STR         { K_STR, 0 }
#define STRN        { K_STRN, 0 }
#define IN(k)       { K_IN, k }
#define OUT(k)      { K_OUT, k }
#define INF(n)      { K_INF, n }
#define OUTF(n)     { K_OUTF, n }
#define INFN(n)     { K_INFN, n }
#define OUTFN(n)    { K_OUTFN, n }
#define OUTP(k)     { K_OUTP, k }
#define IOVIN(k)    { K_IOVIN, k }
#define IOVOUT(k)   { K_IOVOUT, k }
#define SPECIAL     { K_SPECIAL, 0 }
#define MV_SYSCALL(nr, name, cls, a0, a1, a2, a3, a4, a5) \
    [nr] = { #name, MV_CLS_##cls, { a0, a1, a2, a3, a4, a5 } },
static const struct sys_entry table[MV_MAX_SYSCALLS] = {
#include "mv_syscalls.h"
};
#undef MV_SYSCALL
#undef X
#undef FD
#undef STR
#undef STRN
#undef IN
#undef OUT
#undef INF
#undef OUTF
#undef INFN
#undef OUTFN
#undef OUTP
#undef IOVIN
#undef IOVOUT
#undef SPECIAL

static const char *const host_names[MV_MAX_SYSCALLS] = {
#include "sysnames.h"
};

/* Calls we refuse on purpose, with the reason given once. */
static const struct { long nr; const char *why; } refused[] = {
    { SYS_alarm, "SIGALRM would be delivered to the launcher, not the program" },
    { SYS_setitimer, "timer signals would be delivered to the launcher, not the program" },
    { SYS_getitimer, "interval timers are not supported" },
    { SYS_timer_create, "timer signals would be delivered to the launcher, not the program" },
    { SYS_pause, "signals are not forwarded to the program yet" },
    { SYS_rt_sigsuspend, "signals are not forwarded to the program yet" },
    { SYS_rt_sigtimedwait, "signals are not forwarded to the program yet" },
    { SYS_signalfd4, "signals are not forwarded to the program yet" },
    { SYS_close_range, "it would close the launcher's descriptors" },
    { SYS_exit, "the aerokernel owns process exit" },
    { SYS_exit_group, "the aerokernel owns process exit" },
};

static uint8_t reported[MV_MAX_SYSCALLS / 8];

const char *mv_sys_name(long nr)
{
    if (nr < 0 || nr >= (long)MV_MAX_SYSCALLS)
        return NULL;
    return table[nr].name ? table[nr].name : host_names[nr];
}

enum mv_sys_class mv_sys_class(long nr)
{
    if (nr < 0 || nr >= (long)MV_MAX_SYSCALLS)
        return MV_CLS_NONE;
    return (enum mv_sys_class)table[nr].cls;
}

/* Report a refused call on stderr, once per number. */
static void report_once(long nr, const char *why)
{
    if (nr >= 0 && nr < (long)MV_MAX_SYSCALLS) {
        uint8_t bit = (uint8_t)(1u << (nr & 7));
        if (__atomic_fetch_or(&reported[nr / 8], bit, __ATOMIC_RELAXED) & bit)
            return;
    }
    const char *name = mv_sys_name(nr);
    mv_msg("note: the program called %s (system call %ld): %s; it returned ENOSYS",
           name ? name : "an unknown system call", nr, why);
}

static bool set_bit_by_name(uint8_t *map, const char *name, size_t len, bool native)
{
    for (unsigned nr = 0; nr < MV_MAX_SYSCALLS; nr++) {
        const char *n = table[nr].name;
        if (n && (table[nr].cls == MV_CLS_OPT || table[nr].cls == MV_CLS_OPTF) && strlen(n) == len && !strncmp(n, name, len)) {
            if (native)
                map[nr / 8] |= (uint8_t)(1u << (nr % 8));
            else
                map[nr / 8] &= (uint8_t)~(1u << (nr % 8));
            return true;
        }
    }
    return false;
}

static const char *apply_list(uint8_t *map, const char *list, bool native)
{
    static char err[512];
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len && !set_bit_by_name(map, p, len, native)) {
            int n = snprintf(err, sizeof err, "--%s: '%.*s' is not an optional call; choose from:",
                             native ? "native" : "forward", (int)len, p);
            for (unsigned nr = 0; nr < MV_MAX_SYSCALLS && n < (int)sizeof err - 32; nr++)
                if (table[nr].cls == MV_CLS_OPT || table[nr].cls == MV_CLS_OPTF)
                    n += snprintf(err + n, sizeof err - (size_t)n, " %s", table[nr].name);
            return err;
        }
        p += len + (p[len] == ',');
    }
    return NULL;
}

const char *mv_sys_placement(uint8_t *map, const char *native, const char *forward)
{
    memset(map, 0, MV_MAX_SYSCALLS / 8);
    for (unsigned nr = 0; nr < MV_MAX_SYSCALLS; nr++)
        if (table[nr].cls == MV_CLS_OWN || table[nr].cls == MV_CLS_OPT)
            map[nr / 8] |= (uint8_t)(1u << (nr % 8));
    const char *err = apply_list(map, forward, false);
    return err ? err : apply_list(map, native, true);
}

bool mv_check_range(const struct mv_region *r, uint64_t addr, uint64_t len,
                    long nr, const char *what)
{
    if (mv_region_ok(r, addr, len))
        return true;
    mv_log_note("%s: %s 0x%llx+%llu lies outside the program's memory: EFAULT",
                mv_sys_name(nr), what, (unsigned long long)addr, (unsigned long long)len);
    return false;
}

/* A NUL-terminated string wholly inside the region. */
static bool check_str(const struct mv_region *r, uint64_t addr, long nr)
{
    if (!mv_check_range(r, addr, 1, nr, "string"))
        return false;
    if (mv_region_str_ok(r, addr))
        return true;
    mv_log_note("%s: string at 0x%llx runs off the program's memory: EFAULT",
                mv_sys_name(nr), (unsigned long long)addr);
    return false;
}

/* An iovec array of cnt entries, copied into c->iov, each buffer checked. */
static long check_iov(const struct mv_region *r, struct mv_call *c, int i, uint64_t cnt)
{
    if (cnt > sizeof c->iov / sizeof c->iov[0])
        return -EINVAL;
    if (!mv_check_range(r, (uint64_t)c->a[i], cnt * sizeof c->iov[0], c->nr, "iovec array"))
        return -EFAULT;
    memcpy(c->iov, (const void *)c->a[i], cnt * sizeof c->iov[0]);
    for (uint64_t k = 0; k < cnt; k++)
        if (!mv_check_range(r, c->iov[k].base, c->iov[k].len, c->nr, "iovec buffer"))
            return -EFAULT;
    c->a[i] = (long)c->iov;
    return 0;
}

/* A buffer whose capacity is in the socklen_t at argument k (copied). */
static long check_outp(const struct mv_region *r, struct mv_call *c, int i, int k)
{
    if (c->a[i] == 0)
        return 0;
    uint64_t lenp = (uint64_t)c->a[k];
    if (!mv_check_range(r, lenp, sizeof c->outp_len, c->nr, "length pointer"))
        return -EFAULT;
    memcpy(&c->outp_len, (const void *)lenp, sizeof c->outp_len);
    if ((int32_t)c->outp_len < 0)
        return -EINVAL;
    if (!mv_check_range(r, (uint64_t)c->a[i], c->outp_len, c->nr, "buffer"))
        return -EFAULT;
    c->outp_guest = lenp;
    c->a[k] = (long)&c->outp_len;
    return 0;
}

static long check_arg(const struct mv_region *r, struct mv_call *c, int i,
                      struct arg_kind k, const int64_t args[6])
{
    uint64_t v = (uint64_t)args[i];
    switch (k.kind) {
    case K_FD:
        if (mv_fd_is_private((int)v)) {
            mv_log_note("%s: descriptor %d belongs to the launcher: EBADF",
                        mv_sys_name(c->nr), (int)v);
            return -EBADF;
        }
        return 0;
    case K_STRN:
        if (v == 0)
            return 0;
        /* fall through */
    case K_STR:
        return check_str(r, v, c->nr) ? 0 : -EFAULT;
    case K_IN:
    case K_OUT:
        return mv_check_range(r, v, (uint64_t)args[k.n], c->nr, "buffer") ? 0 : -EFAULT;
    case K_INFN:
    case K_OUTFN:
        if (v == 0)
            return 0;
        /* fall through */
    case K_INF:
    case K_OUTF:
        return mv_check_range(r, v, k.n, c->nr, "structure") ? 0 : -EFAULT;
    case K_OUTP:
        return check_outp(r, c, i, k.n);
    case K_IOVIN:
    case K_IOVOUT:
        return check_iov(r, c, i, (uint64_t)args[k.n]);
    default:
        return 0;
    }
}

long mv_check(const struct mv_region *r, long nr, const int64_t args[6], struct mv_call *c)
{
    c->nr = nr;
    c->outp_guest = 0;
    c->msg_guest = 0;
    for (int i = 0; i < 6; i++)
        c->a[i] = (long)args[i];
    for (unsigned i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (refused[i].nr == nr) {
            report_once(nr, refused[i].why);
            return -ENOSYS;
        }
    enum mv_sys_class cls = mv_sys_class(nr);
    if (cls == MV_CLS_NONE || (cls == MV_CLS_OWN && nr != SYS_kill)) {
        report_once(nr, cls == MV_CLS_OWN ? "the aerokernel must handle it itself"
                                          : "Multiverse does not forward it");
        return -ENOSYS;
    }
    bool special = false;
    for (int i = 0; i < 6; i++) {
        struct arg_kind k = table[nr].a[i];
        long err = check_arg(r, c, i, k, args);
        if (err)
            return err;
        special |= k.kind == K_SPECIAL;
    }
    return special || nr == SYS_kill ? mv_check_special(r, c) : 0;
}

static long raw_syscall(long nr, const long a[6])
{
    long ret;
    register long r10 __asm__("r10") = a[3];
    register long r8 __asm__("r8") = a[4];
    register long r9 __asm__("r9") = a[5];
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

long mv_execute(const struct mv_region *r, struct mv_call *c)
{
    long ret = raw_syscall(c->nr, c->a);
    if (c->outp_guest)
        memcpy((void *)c->outp_guest, &c->outp_len, sizeof c->outp_len);
    mv_special_after(r, c, ret);
    return ret;
}

bool mv_sys_arg_is_str(long nr, int i)
{
    if (nr < 0 || nr >= (long)MV_MAX_SYSCALLS)
        return false;
    return table[nr].a[i].kind == K_STR || table[nr].a[i].kind == K_STRN;
}

int mv_sys_nargs(long nr)
{
    if (nr < 0 || nr >= (long)MV_MAX_SYSCALLS)
        return 6;
    int n = 0;
    for (int i = 0; i < 6; i++) {
        struct arg_kind k = table[nr].a[i];
        if (k.kind != K_X && i + 1 > n)
            n = i + 1;
        bool indexes = k.kind == K_IN || k.kind == K_OUT || k.kind == K_OUTP ||
                       k.kind == K_IOVIN || k.kind == K_IOVOUT;
        if (indexes && k.n + 1 > n)
            n = k.n + 1;
    }
    return n;
}
