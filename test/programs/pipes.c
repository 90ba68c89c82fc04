/* pipes.c - pipe, dup, dup2, poll and fcntl on descriptors the program
 * makes itself; a big write through a pipe in pieces. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    struct pollfd pf = { .fd = p[0], .events = POLLIN };
    printf("poll empty pipe: %d\n", poll(&pf, 1, 0));
    write(p[1], "abc", 3);
    int ready = poll(&pf, 1, 1000);
    printf("poll after write: %d revents POLLIN %d\n", ready, !!(pf.revents & POLLIN));
    char buf[8] = { 0 };
    printf("read %zd: %s\n", read(p[0], buf, sizeof buf), buf);

    int d = dup(p[1]);
    printf("dup gives a new descriptor: %s\n", d > p[1] ? "yes" : "no");
    write(d, "via dup", 7);
    memset(buf, 0, sizeof buf);
    printf("read %zd: %.7s\n", read(p[0], buf, 7), buf);

    int flags = fcntl(p[0], F_GETFL);
    fcntl(p[0], F_SETFL, flags | O_NONBLOCK);
    printf("non-blocking empty read: %zd\n", read(p[0], buf, 1));
    printf("FD_CLOEXEC initially: %d\n", fcntl(d, F_GETFD) & FD_CLOEXEC);

    fflush(stdout);
    int saved = dup(1);
    dup2(p[1], 1);
    printf("this line goes into the pipe\n");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char line[64] = { 0 };
    ssize_t n = read(p[0], line, sizeof line - 1);
    printf("through dup2(pipe, 1): %zd bytes: %s", n, line);

    close(p[1]);
    close(d);
    fcntl(p[0], F_SETFL, flags);
    printf("read after writers closed: %zd\n", read(p[0], buf, 1));
    close(p[0]);
    printf("close twice: %d\n", close(p[0]));
    return 0;
}
