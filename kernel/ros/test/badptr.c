/* badptr.c - forwarded calls handed bad pointers, descriptors and commands:
 * each must fail with the errno Linux gives natively (run both ways and
 * compare). Raw system calls, so that libc touches no pointer itself. Pointers stay outside the program's region, where the answers
 * agree by construction; see docs/forwarding.md. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)0x10)
#define CTRL ((void *)0x300000)     /* the control area: never the program's */

static const char *errname(int e)
{
    static char num[16];
    switch (e) {
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOTTY: return "ENOTTY";
    case ECHILD: return "ECHILD";
    default: snprintf(num, sizeof num, "errno %d", e); return num;
    }
}

static void show(const char *what, long r)
{
    printf("%-28s -> %s\n", what, r < 0 ? errname(errno) : "ok");
}

int main(void)
{
    int p[2], sv[2];
    char buf[64] = "data";
    if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    show("write(bad)", syscall(SYS_write, 1, BAD, 5));
    show("write(ctrl)", syscall(SYS_write, 1, CTRL, 16));
    show("write(huge len)", syscall(SYS_write, 1, buf, 1ul << 46));
    write(p[1], "xyz", 3);
    show("read(pipe, bad)", syscall(SYS_read, p[0], BAD, 3));
    write(p[1], "xyz", 3);
    show("read(pipe, ctrl)", syscall(SYS_read, p[0], CTRL, 3));
    show("open(bad)", syscall(SYS_open, BAD, O_RDONLY));
    show("stat(/, bad)", syscall(SYS_stat, "/", BAD));
    show("getcwd(bad)", syscall(SYS_getcwd, BAD, 100));
    show("pipe(bad)", syscall(SYS_pipe, BAD));
    show("nanosleep(bad)", syscall(SYS_nanosleep, BAD, NULL));
    show("getrandom(bad)", syscall(SYS_getrandom, BAD, 16, 0));
    show("poll(bad)", syscall(SYS_poll, BAD, 1, 0));
    show("select(bad set)", syscall(SYS_select, 3, BAD, NULL, NULL, &(struct timeval){ 0, 0 }));
    struct iovec iov = { BAD, 4 };
    show("writev(bad base)", syscall(SYS_writev, 1, &iov, 1));
    show("writev(bad array)", syscall(SYS_writev, 1, BAD, 1));
    show("sendmsg(bad msghdr)", syscall(SYS_sendmsg, sv[0], BAD, 0));
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    show("sendmsg(bad iov base)", syscall(SYS_sendmsg, sv[0], &m, 0));
    socklen_t len = 16;
    show("getsockname(bad addr)", syscall(SYS_getsockname, sv[0], BAD, &len));
    show("getsockname(bad len)", syscall(SYS_getsockname, sv[0], buf, BAD));
    show("close(1000)", syscall(SYS_close, 1000));
    show("fcntl(1, 12345)", syscall(SYS_fcntl, 1, 12345));
    show("ioctl(pipe, 0xdead)", syscall(SYS_ioctl, p[0], 0xdead, 0));
    show("wait4(-1)", syscall(SYS_wait4, -1, NULL, 0, NULL));
    struct stat st;
    show("fstat(ok)", syscall(SYS_fstat, 0, &st));
    return 0;
}
