/* check-test.c - unit tests of the forwarded-call checker (check.c,
 * special.c) on a real region: ranges, strings, descriptors, copies and the
 * hand-written checkers, without QEMU. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "launch.h"

static int passed, failed;
static struct mv_region r;
static struct mv_call call;

/* Stand-ins for launch.c and qemu.c. */
void mv_teardown(void) {}
pid_t mv_qemu_pid(void) { return 4242; }

#define EXPECT(cond, what) do { \
    if (cond) passed++; \
    else { failed++; printf("FAIL %s:%d %s\n", __FILE__, __LINE__, what); } \
} while (0)

static long check(long nr, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5)
{
    int64_t args[6] = { a0, a1, a2, a3, a4, a5 };
    return mv_check(&r, nr, args, &call);
}

#define CHECK(want, nr, ...) do { \
    long got_ = check(nr, __VA_ARGS__); \
    if (got_ == (want)) passed++; \
    else { failed++; printf("FAIL %s:%d %s: got %ld, want %ld\n", __FILE__, __LINE__, \
                            #nr "(" #__VA_ARGS__ ")", got_, (long)(want)); } \
} while (0)

int main(void)
{
    mv_region_create(&r, MV_RAM_MIN);
    int64_t base = (int64_t)r.base, end = (int64_t)r.end;
    char *buf = (char *)(base + 4096);
    strcpy(buf, "/tmp");
    int priv = mv_fd_private(dup(1));

    /* ranges: inside, outside, straddling, wrapping, empty */
    CHECK(0, SYS_write, 1, base, 16, 0, 0, 0);
    CHECK(0, SYS_write, 1, end - 16, 16, 0, 0, 0);
    CHECK(-EFAULT, SYS_write, 1, end - 16, 17, 0, 0, 0);
    CHECK(-EFAULT, SYS_write, 1, base - 1, 16, 0, 0, 0);
    CHECK(-EFAULT, SYS_write, 1, MV_BOOT_INFO_ADDR, 16, 0, 0, 0);
    CHECK(-EFAULT, SYS_write, 1, base, -1, 0, 0, 0);
    CHECK(-EFAULT, SYS_write, 1, -4096, 8192, 0, 0, 0);
    CHECK(0, SYS_write, 1, 0, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_read, 1, 0x10, 1, 0, 0, 0);

    /* strings */
    CHECK(0, SYS_open, (int64_t)buf, O_RDONLY, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_open, 0, O_RDONLY, 0, 0, 0, 0);
    memset((char *)(end - 8), 'x', 8);          /* no NUL before the end */
    CHECK(-EFAULT, SYS_open, end - 8, O_RDONLY, 0, 0, 0, 0);
    CHECK(0, SYS_utimensat, AT_FDCWD, 0, 0, 0, 0, 0);   /* STRN, INFN: NULL ok */

    /* the launcher's descriptors */
    CHECK(-EBADF, SYS_close, priv, 0, 0, 0, 0, 0);
    CHECK(-EBADF, SYS_dup2, 0, priv, 0, 0, 0, 0);
    CHECK(-EBADF, SYS_read, priv, base, 1, 0, 0, 0);
    CHECK(0, SYS_close, 3, 0, 0, 0, 0, 0);

    /* fixed-size structures */
    CHECK(0, SYS_fstat, 0, base, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_fstat, 0, end - 100, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_pipe, 0, 0, 0, 0, 0, 0);

    /* iovecs: copied, each buffer checked, too many */
    struct iovec *iov = (struct iovec *)(base + 8192);
    iov[0] = (struct iovec){ buf, 4 };
    iov[1] = (struct iovec){ (void *)0x10, 4 };
    CHECK(0, SYS_writev, 1, (int64_t)iov, 1, 0, 0, 0);
    EXPECT(call.a[1] == (long)call.iov && call.iov[0].base == (uint64_t)buf, "iovec copied");
    CHECK(-EFAULT, SYS_writev, 1, (int64_t)iov, 2, 0, 0, 0);
    CHECK(-EINVAL, SYS_writev, 1, (int64_t)iov, 1025, 0, 0, 0);

    /* OUTP: the length is copied and passed by the launcher's pointer */
    uint32_t *lenp = (uint32_t *)(base + 12288);
    *lenp = 16;
    CHECK(0, SYS_getsockname, 0, base, (int64_t)lenp, 0, 0, 0);
    EXPECT(call.a[2] == (long)&call.outp_len && call.outp_len == 16 &&
           call.outp_guest == (uint64_t)lenp, "socklen copied");
    *lenp = 0x7fffffff;
    CHECK(-EFAULT, SYS_getsockname, 0, base, (int64_t)lenp, 0, 0, 0);
    CHECK(-EFAULT, SYS_getsockname, 0, base, 0x10, 0, 0, 0);
    CHECK(0, SYS_accept, 0, 0, 0, 0, 0, 0);

    /* ioctl and fcntl by command */
    CHECK(0, SYS_ioctl, 1, TCGETS, base, 0, 0, 0);
    CHECK(-EFAULT, SYS_ioctl, 1, TIOCGWINSZ, 0x10, 0, 0, 0);
    CHECK(-ENOTTY, SYS_ioctl, 1, 0xdead, 0, 0, 0, 0);
    CHECK(-EBADF, SYS_ioctl, priv, TCGETS, base, 0, 0, 0);
    CHECK(0, SYS_fcntl, 1, F_GETFL, 0, 0, 0, 0);
    CHECK(0, SYS_fcntl, 1, F_SETLK, base, 0, 0, 0);
    CHECK(-EFAULT, SYS_fcntl, 1, F_GETLK, 0x10, 0, 0, 0);
    CHECK(-EINVAL, SYS_fcntl, 1, F_SETOWN, 1, 0, 0, 0);

    /* poll, select, epoll */
    int *pfd = (int *)(base + 16384);
    pfd[0] = 0;
    pfd[2] = priv;
    CHECK(0, SYS_poll, (int64_t)pfd, 1, 0, 0, 0, 0);
    CHECK(-EBADF, SYS_poll, (int64_t)pfd, 2, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_poll, end - 8, 2, 0, 0, 0, 0);
    CHECK(0, SYS_ppoll, (int64_t)pfd, 1, 0, base, 8, 0);
    EXPECT(call.a[3] == 0, "ppoll gets no signal mask");
    CHECK(0, SYS_select, 1024, base, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_select, 1024, end - 64, 0, 0, 0, 0);
    CHECK(-EINVAL, SYS_epoll_wait, 3, base, 0, 0, 0, 0);
    CHECK(-EFAULT, SYS_epoll_wait, 3, end - 12, 2, 0, 0, 0);

    /* sendmsg: msghdr copied; SCM_RIGHTS may not carry launcher fds */
    struct msghdr *m = (struct msghdr *)(base + 20480);
    char *ctl = (char *)(base + 24576);
    memset(m, 0, sizeof *m);
    m->msg_iov = iov;
    m->msg_iovlen = 1;
    CHECK(0, SYS_sendmsg, 3, (int64_t)m, 0, 0, 0, 0);
    EXPECT(call.a[1] == (long)call.msg, "msghdr copied");
    m->msg_control = ctl;
    m->msg_controllen = CMSG_SPACE(sizeof(int));
    struct cmsghdr *cm = CMSG_FIRSTHDR(m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &priv, sizeof priv);
    CHECK(-EBADF, SYS_sendmsg, 3, (int64_t)m, 0, 0, 0, 0);
    cm->cmsg_len = 4;
    CHECK(-EINVAL, SYS_sendmsg, 3, (int64_t)m, 0, 0, 0, 0);
    m->msg_iovlen = 2;
    m->msg_control = NULL;
    CHECK(-EFAULT, SYS_sendmsg, 3, (int64_t)m, 0, 0, 0, 0);

    /* refused on purpose, or not in the table */
    CHECK(-ECHILD, SYS_wait4, -1, 0, 0, 0, 0, 0);
    CHECK(-EPERM, SYS_kill, -1, SIGKILL, 0, 0, 0, 0);
    CHECK(-EPERM, SYS_kill, getpid(), SIGTERM, 0, 0, 0, 0);
    CHECK(-EPERM, SYS_kill, 0, SIGTERM, 0, 0, 0, 0);
    CHECK(-ESRCH, SYS_kill, 4242, SIGTERM, 0, 0, 0, 0);
    CHECK(0, SYS_kill, 999999, 0, 0, 0, 0, 0);
    CHECK(-ENOSYS, SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
    CHECK(-ENOSYS, SYS_alarm, 1, 0, 0, 0, 0, 0);
    CHECK(-ENOSYS, SYS_close_range, 0, ~0u, 0, 0, 0, 0);
    CHECK(-ENOSYS, 500, 0, 0, 0, 0, 0, 0);
    CHECK(-ENOSYS, -1, 0, 0, 0, 0, 0, 0);
    CHECK(-EINVAL, SYS_prctl, PR_SET_PDEATHSIG, 9, 0, 0, 0, 0);
    CHECK(0, SYS_prctl, PR_SET_NAME, base, 0, 0, 0, 0);

    /* placement */
    uint8_t map[MV_MAX_SYSCALLS / 8];
    EXPECT(mv_sys_placement(map, NULL, NULL) == NULL && (map[39 / 8] & (1 << (39 % 8))),
           "getpid native by default");
    EXPECT(mv_sys_placement(map, NULL, "getpid,uname") == NULL && !(map[39 / 8] & (1 << (39 % 8))),
           "--forward getpid");
    EXPECT(mv_sys_placement(map, "read", NULL) != NULL, "--native read refused");
    EXPECT(mv_sys_name(SYS_personality) && !strcmp(mv_sys_name(SYS_personality), "personality"),
           "host names for unlisted calls");

    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
