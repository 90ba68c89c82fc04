/* special.c - hand-written checkers for SPECIAL system calls (ioctl, fcntl,
 * poll, select, sendmsg/recvmsg, epoll_wait, prctl, kill, wait4...). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch.h"

enum dir { NONE, SCALAR, IN, OUT };

struct cmd {
    unsigned long cmd;
    enum dir dir;
    unsigned size;
};

/* termios as the kernel sees it (36 bytes), termios2 (44 bytes) */
static const struct cmd ioctls[] = {
    { TCGETS, OUT, 36 }, { TCSETS, IN, 36 }, { TCSETSW, IN, 36 }, { TCSETSF, IN, 36 },
    { 0x802c542aul /* TCGETS2 */, OUT, 44 }, { 0x402c542bul /* TCSETS2 */, IN, 44 },
    { 0x402c542cul /* TCSETSW2 */, IN, 44 }, { 0x402c542dul /* TCSETSF2 */, IN, 44 },
    { TIOCGWINSZ, OUT, 8 }, { TIOCSWINSZ, IN, 8 }, { FIONREAD, OUT, 4 },
    { TIOCOUTQ, OUT, 4 }, { TIOCGPGRP, OUT, 4 }, { TIOCSPGRP, IN, 4 }, { TIOCGSID, OUT, 4 },
    { FIONBIO, IN, 4 }, { FIOASYNC, IN, 4 }, { FIOCLEX, NONE, 0 }, { FIONCLEX, NONE, 0 },
    { TCFLSH, SCALAR, 0 }, { TCXONC, SCALAR, 0 }, { TCSBRK, SCALAR, 0 },
    { TCSBRKP, SCALAR, 0 }, { TIOCSCTTY, SCALAR, 0 }, { TIOCNOTTY, NONE, 0 },
};

/* struct flock is 32 bytes, struct f_owner_ex 8 */
static const struct cmd fcntls[] = {
    { F_DUPFD, SCALAR, 0 }, { F_DUPFD_CLOEXEC, SCALAR, 0 }, { F_GETFD, NONE, 0 },
    { F_SETFD, SCALAR, 0 }, { F_GETFL, NONE, 0 }, { F_SETFL, SCALAR, 0 },
    { F_GETLK, OUT, 32 }, { F_SETLK, IN, 32 }, { F_SETLKW, IN, 32 },
    { F_OFD_GETLK, OUT, 32 }, { F_OFD_SETLK, IN, 32 }, { F_OFD_SETLKW, IN, 32 },
    { F_GETOWN, NONE, 0 }, { F_GETOWN_EX, OUT, 8 }, { F_GETSIG, NONE, 0 },
    { F_GETLEASE, NONE, 0 }, { F_SETLEASE, SCALAR, 0 }, { F_NOTIFY, SCALAR, 0 },
    { F_GETPIPE_SZ, NONE, 0 }, { F_SETPIPE_SZ, SCALAR, 0 },
    { F_ADD_SEALS, SCALAR, 0 }, { F_GET_SEALS, NONE, 0 },
};

static const struct cmd prctls[] = {
    { PR_SET_NAME, IN, 16 }, { PR_GET_NAME, OUT, 16 }, { PR_GET_DUMPABLE, NONE, 0 },
    { PR_SET_DUMPABLE, SCALAR, 0 }, { PR_GET_TIMERSLACK, NONE, 0 },
    { PR_SET_TIMERSLACK, SCALAR, 0 }, { PR_GET_NO_NEW_PRIVS, NONE, 0 },
    { PR_SET_NO_NEW_PRIVS, SCALAR, 0 }, { PR_CAPBSET_READ, SCALAR, 0 },
};

static const struct cmd *find(const struct cmd *t, size_t n, unsigned long cmd)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].cmd == cmd)
            return &t[i];
    return NULL;
}

/* Check the third argument of a command table entry. */
static long check_cmd(const struct mv_region *r, struct mv_call *c, const struct cmd *e,
                      int argi, long unknown, const char *what)
{
    if (!e) {
        mv_log_note("%s: %s 0x%lx is not supported", mv_sys_name(c->nr), what,
                    (unsigned long)c->a[argi - 1]);
        return unknown;
    }
    if (e->dir == IN || e->dir == OUT)
        return mv_check_range(r, (uint64_t)c->a[argi], e->size ? e->size : 1, c->nr, what)
                   ? 0 : -EFAULT;
    return 0;
}

static long check_poll(const struct mv_region *r, struct mv_call *c)
{
    uint64_t nfds = (uint64_t)c->a[1];
    if (nfds > 1u << 20)
        return -EINVAL;
    if (!mv_check_range(r, (uint64_t)c->a[0], nfds * sizeof(struct pollfd), c->nr, "pollfd array"))
        return -EFAULT;
    const struct pollfd *p = (const struct pollfd *)c->a[0];
    for (uint64_t i = 0; i < nfds; i++)
        if (mv_fd_is_private(p[i].fd)) {
            mv_log_note("%s: descriptor %d belongs to the launcher: EBADF",
                        mv_sys_name(c->nr), p[i].fd);
            return -EBADF;
        }
    if (c->nr == SYS_ppoll) {
        if (c->a[2] && !mv_check_range(r, (uint64_t)c->a[2], 16, c->nr, "timeout"))
            return -EFAULT;
        c->a[3] = 0; /* the program's signal mask lives in the aerokernel */
        c->a[4] = 0;
    }
    return 0;
}

static long check_select(const struct mv_region *r, struct mv_call *c)
{
    if (c->a[0] < 0 || c->a[0] > INT_MAX)
        return -EINVAL;
    uint64_t bytes = ((uint64_t)c->a[0] + 63) / 64 * 8;
    for (int i = 1; i <= 3; i++)
        if (c->a[i] && !mv_check_range(r, (uint64_t)c->a[i], bytes, c->nr, "fd_set"))
            return -EFAULT;
    if (c->a[4] && !mv_check_range(r, (uint64_t)c->a[4], 16, c->nr, "timeout"))
        return -EFAULT;
    if (c->nr == SYS_pselect6)
        c->a[5] = 0; /* the program's signal mask lives in the aerokernel */
    return 0;
}

/* SCM_RIGHTS must not carry the launcher's descriptors away. The control
 * buffer was checked to lie in the region; each message is bounded by it. */
static long check_rights(const struct msghdr *m)
{
    const char *end = (const char *)m->msg_control + m->msg_controllen;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR((struct msghdr *)m, cm)) {
        if (cm->cmsg_len < CMSG_LEN(0) || cm->cmsg_len > (size_t)(end - (const char *)cm))
            return -EINVAL;
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const int *fds = (const int *)CMSG_DATA(cm);
        for (size_t i = 0; i < n; i++)
            if (mv_fd_is_private(fds[i]))
                return -EBADF;
    }
    return 0;
}

static long check_msg(const struct mv_region *r, struct mv_call *c)
{
    struct msghdr m;
    _Static_assert(sizeof m == sizeof c->msg, "msghdr copy");
    if (!mv_check_range(r, (uint64_t)c->a[1], sizeof m, c->nr, "msghdr"))
        return -EFAULT;
    memcpy(&m, (const void *)c->a[1], sizeof m);
    if (m.msg_name && !mv_check_range(r, (uint64_t)m.msg_name, m.msg_namelen, c->nr, "address"))
        return -EFAULT;
    if (m.msg_control &&
        !mv_check_range(r, (uint64_t)m.msg_control, m.msg_controllen, c->nr, "control data"))
        return -EFAULT;
    if (m.msg_iovlen > sizeof c->iov / sizeof c->iov[0])
        return -EMSGSIZE;
    if (!mv_check_range(r, (uint64_t)m.msg_iov, m.msg_iovlen * sizeof c->iov[0], c->nr,
                        "iovec array"))
        return -EFAULT;
    memcpy(c->iov, m.msg_iov, m.msg_iovlen * sizeof c->iov[0]);
    for (size_t k = 0; k < m.msg_iovlen; k++)
        if (!mv_check_range(r, c->iov[k].base, c->iov[k].len, c->nr, "iovec buffer"))
            return -EFAULT;
    m.msg_iov = (struct iovec *)c->iov;
    long err = c->nr == SYS_sendmsg && m.msg_control ? check_rights(&m) : 0;
    if (err)
        return err;
    memcpy(c->msg, &m, sizeof m);
    if (c->nr == SYS_recvmsg)
        c->msg_guest = (uint64_t)c->a[1];
    c->a[1] = (long)c->msg;
    return 0;
}

static long check_epoll_wait(const struct mv_region *r, struct mv_call *c)
{
    const uint64_t event_size = 12; /* struct epoll_event is packed on x86-64 */
    if (c->a[2] <= 0 || c->a[2] > INT_MAX / (long)event_size)
        return -EINVAL;
    if (!mv_check_range(r, (uint64_t)c->a[1], (uint64_t)c->a[2] * event_size, c->nr, "events"))
        return -EFAULT;
    if (c->nr == SYS_epoll_pwait) {
        c->a[4] = 0; /* the program's signal mask lives in the aerokernel */
        c->a[5] = 0;
    }
    return 0;
}

/* kill aimed at another process (the aerokernel handles the program itself). */
static long check_kill(struct mv_call *c)
{
    pid_t pid = (pid_t)c->a[0];
    if (pid == -1 || pid == 0 || pid == getpid() || pid == -getpgrp()) {
        mv_log_note("kill(%d, %ld) would hit the launcher: EPERM", pid, c->a[1]);
        return -EPERM;
    }
    pid_t q = mv_qemu_pid();
    if (q > 0 && (pid == q || pid == -q))
        return -ESRCH; /* QEMU is not the program's business */
    return 0;
}

long mv_check_special(const struct mv_region *r, struct mv_call *c)
{
    switch (c->nr) {
    case SYS_ioctl:
        return check_cmd(r, c, find(ioctls, sizeof ioctls / sizeof ioctls[0],
                                    (unsigned long)(unsigned int)c->a[1]), 2, -ENOTTY, "request");
    case SYS_fcntl:
        return check_cmd(r, c, find(fcntls, sizeof fcntls / sizeof fcntls[0],
                                    (unsigned long)c->a[1]), 2, -EINVAL, "command");
    case SYS_prctl:
        return check_cmd(r, c, find(prctls, sizeof prctls / sizeof prctls[0],
                                    (unsigned long)c->a[0]), 1, -EINVAL, "option");
    case SYS_poll:
    case SYS_ppoll:
        return check_poll(r, c);
    case SYS_select:
    case SYS_pselect6:
        return check_select(r, c);
    case SYS_sendmsg:
    case SYS_recvmsg:
        return check_msg(r, c);
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
        return check_epoll_wait(r, c);
    case SYS_getgroups:
        if (c->a[0] < 0 || c->a[0] > 65536)
            return -EINVAL;
        return mv_check_range(r, (uint64_t)c->a[1], (uint64_t)c->a[0] * 4, c->nr, "group list")
                   ? 0 : -EFAULT;
    case SYS_wait4:
    case SYS_waitid:
        return -ECHILD; /* the program has no children; QEMU is ours */
    case SYS_kill:
        return check_kill(c);
    default:
        mv_log_note("%s: no checker for this call", mv_sys_name(c->nr));
        return -ENOSYS;
    }
}

void mv_special_after(const struct mv_region *r, struct mv_call *c, long ret)
{
    (void)r;
    if (!c->msg_guest || ret < 0)
        return;
    const struct msghdr *m = (const struct msghdr *)c->msg;
    struct msghdr *g = (struct msghdr *)c->msg_guest;
    g->msg_namelen = m->msg_namelen;
    g->msg_controllen = m->msg_controllen;
    g->msg_flags = m->msg_flags;
}
