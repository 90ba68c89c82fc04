/* sigpipe.c - writes lines to stdout forever; when the reader goes away the
 * write raises SIGPIPE and the default action ends the program (141). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char line[64];
    for (unsigned long i = 0;; i++) {
        int n = snprintf(line, sizeof line, "line %lu\n", i);
        if (write(1, line, (size_t)n) < 0) {
            perror("write");
            return 1;
        }
    }
}
