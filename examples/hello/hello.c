/* hello.c - the demo program: an ordinary C program that counts the lines,
 * words and bytes of the files named on its command line (like wc), then
 * says where it ran. Built with bin/mvcc it runs natively and, unchanged,
 * as a hybrid (multiverse run): its reads and writes are forwarded to
 * Linux, uname and the clock are answered by the aerokernel. */
#include <ctype.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>

static int count(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    long lines = 0, words = 0, bytes = 0;
    int c, in_word = 0;
    while ((c = getc(f)) != EOF) {
        bytes++;
        lines += c == '\n';
        if (isspace(c))
            in_word = 0;
        else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    fclose(f);
    printf("%7ld %7ld %7ld %s\n", lines, words, bytes, path);
    return 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++)
        status |= count(argv[i]);
    struct utsname u;
    uname(&u);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("hello from %s %s (%s); clock_gettime took %ld ns\n", u.sysname, u.release,
           u.machine, (long)((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec));
    return status;
}
