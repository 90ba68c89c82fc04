/* float.c - SSE floating point and printf of doubles: results must be
 * bit-identical natively and as a hybrid. */
#include <math.h>
#include <stdio.h>

int main(void)
{
    double x = 0.0, y = 1.0;
    for (int i = 1; i <= 1000000; i++) {
        x += 1.0 / ((double)i * (double)i);
        y *= 1.0000001;
    }
    printf("basel %.15f (pi^2/6 %.15f)\n", x, M_PI * M_PI / 6);
    printf("growth %.12e sqrt2 %.17g\n", y, sqrt(2.0));
    float f = 1.0f;
    for (int i = 0; i < 100; i++)
        f = f * 1.5f - 0.25f;
    printf("float %a %g\n", (double)f, (double)f);
    printf("sin(1)=%.17g exp(1)=%.17g\n", sin(1.0), exp(1.0));
    return 0;
}
