/* steps.c - the debug adapter's main test program: a struct, arguments,
 * a loop for conditional breakpoints, calls to step into and out of, and a
 * forwarded call (write) to step over. Lines the tests use are marked. */
#include <string.h>
#include <unistd.h>

struct point {
    int x, y;
    const char *label;
};

static int squares[5];

__attribute__((noinline)) static int scale(int value, int factor)
{
    int product = value * factor; /* MARK scale body */
    return product;               /* MARK scale return */
}

__attribute__((noinline)) static int area(const struct point *p)
{
    int a = scale(p->x, p->y); /* MARK area call */
    return a;
}

int main(int argc, char **argv)
{
    struct point origin = { 6, 7, "corner" };
    const char *msg = "stepped over a forwarded write\n";
    int total = 0;
    for (int i = 0; i < 5; i++) {
        squares[i] = i * i; /* MARK loop body */
        total += squares[i];
    }
    int a = area(&origin); /* MARK main area */
    write(1, msg, strlen(msg)); /* MARK main write */
    total += a;                 /* MARK after write */
    return (argc > 1 ? 3 : 0) + (total == 72 ? 0 : 1);
}
