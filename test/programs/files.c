/* files.c - file system calls in the directory argv[1]: create, write, read,
 * lseek, pread/pwrite, fstat/stat, rename, unlink, mkdir, readdir. Prints
 * every result (never inode numbers or times) and leaves a known tree
 * behind for the harness to compare byte for byte. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(expr) do { if (!(expr)) { printf("FAILED line %d: %s (errno %s)\n", \
    __LINE__, #expr, strerror(errno)); return 1; } } while (0)

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("readdir %s:", dir);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    CHECK(chdir(argv[1]) == 0);
    umask(022);

    int fd = open("data.bin", O_CREAT | O_EXCL | O_RDWR, 0640);
    CHECK(fd >= 0);
    char block[4096];
    for (int i = 0; i < (int)sizeof block; i++)
        block[i] = (char)(i * 7 + 3);
    for (int i = 0; i < 10; i++)
        CHECK(write(fd, block, sizeof block) == (ssize_t)sizeof block);
    printf("wrote 40960 bytes\n");

    off_t end = lseek(fd, 0, SEEK_END);
    printf("lseek END -> %lld\n", (long long)end);
    CHECK(lseek(fd, 100, SEEK_SET) == 100);
    char small[16];
    CHECK(read(fd, small, sizeof small) == (ssize_t)sizeof small);
    printf("read at 100: %02x %02x %02x ... pos now %lld\n", (unsigned char)small[0],
           (unsigned char)small[1], (unsigned char)small[15], (long long)lseek(fd, 0, SEEK_CUR));

    CHECK(pwrite(fd, "PWRITE", 6, 5000) == 6);
    char back[6];
    CHECK(pread(fd, back, 6, 5000) == 6);
    printf("pread at 5000: %.6s, pos still %lld\n", back, (long long)lseek(fd, 0, SEEK_CUR));
    CHECK(pread(fd, back, 6, 1 << 20) == 0);
    printf("pread past end -> 0\n");

    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    printf("fstat: size %lld mode %o regular %d nlink %lu blksize>0 %d\n", (long long)st.st_size,
           st.st_mode & 07777, S_ISREG(st.st_mode), (unsigned long)st.st_nlink, st.st_blksize > 0);
    CHECK(ftruncate(fd, 12345) == 0);
    CHECK(close(fd) == 0);
    CHECK(stat("data.bin", &st) == 0);
    printf("stat after ftruncate: size %lld\n", (long long)st.st_size);

    CHECK(mkdir("sub", 0755) == 0);
    CHECK(mkdir("sub", 0755) == -1 && errno == EEXIST);
    printf("mkdir twice -> EEXIST\n");
    CHECK(rename("data.bin", "sub/moved.bin") == 0);
    CHECK(stat("data.bin", &st) == -1 && errno == ENOENT);
    printf("rename: old name ENOENT\n");

    FILE *f = fopen("sub/notes.txt", "w");
    CHECK(f != NULL);
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d of the notes\n", i);
    CHECK(fclose(f) == 0);
    f = fopen("sub/notes.txt", "r");
    CHECK(f != NULL);
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    printf("notes.txt has %d lines\n", lines);

    CHECK(symlink("notes.txt", "sub/link") == 0);
    char target[64];
    ssize_t tl = readlink("sub/link", target, sizeof target);
    CHECK(tl > 0);
    printf("readlink: %.*s\n", (int)tl, target);
    CHECK(lstat("sub/link", &st) == 0 && S_ISLNK(st.st_mode));

    int tmp = open("sub/gone", O_CREAT | O_WRONLY, 0600);
    CHECK(tmp >= 0 && close(tmp) == 0);
    if (list("sub"))
        return 1;
    CHECK(unlink("sub/gone") == 0);
    CHECK(unlink("sub/gone") == -1 && errno == ENOENT);
    printf("unlink twice -> ENOENT\n");
    if (list("sub") || list("."))
        return 1;

    CHECK(open("missing/file", O_RDONLY) == -1);
    printf("open missing: %s\n", strerror(errno));
    CHECK(access("sub/moved.bin", R_OK | W_OK) == 0);
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("getcwd ends with the directory name: %s\n",
           strcmp(strrchr(cwd, '/') + 1, strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1]) == 0
               ? "yes" : "no");
    return 0;
}
