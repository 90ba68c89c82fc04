/* env.c - prints the environment (envp and environ must agree) and getenv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv;
    int n = 0;
    for (; envp[n]; n++)
        printf("envp[%d]=%s\n", n, envp[n]);
    printf("count=%d environ==envp:%s\n", n, environ == envp ? "yes" : "no");
    const char *v = getenv("MV_TEST");
    printf("getenv(MV_TEST)=%s\n", v ? v : "(null)");
    printf("getenv(MV_ABSENT)=%s\n", getenv("MV_ABSENT") ? "set" : "(null)");
    setenv("MV_NEW", "added", 1);
    printf("after setenv: %s\n", getenv("MV_NEW"));
    return 0;
}
