/* redzone.c - the x86-64 red zone (128 bytes below the stack pointer) is
 * the program's: fill it, spin long enough for timer interrupts and exits
 * to happen, check nothing overwrote it. */
#include <stdint.h>
#include <stdio.h>

/* Returns the number of red-zone words found changed after `spins` loops. */
__attribute__((noinline)) static long probe(long spins)
{
    long bad;
    __asm__ volatile(
        "mov $16, %%rcx\n"
        "1: mov %%rcx, %%rax\n"
        "   imul $0x3779b97, %%rax, %%rax\n"
        "   mov %%rax, -136(%%rsp,%%rcx,8)\n"   /* -128(%rsp) .. -8(%rsp) */
        "   dec %%rcx\n"
        "   jnz 1b\n"
        "   mov %1, %%rdx\n"
        "2: pause\n"
        "   dec %%rdx\n"
        "   jnz 2b\n"
        "   xor %0, %0\n"
        "   mov $16, %%rcx\n"
        "3: mov %%rcx, %%rax\n"
        "   imul $0x3779b97, %%rax, %%rax\n"
        "   cmp %%rax, -136(%%rsp,%%rcx,8)\n"
        "   je 4f\n"
        "   inc %0\n"
        "4: dec %%rcx\n"
        "   jnz 3b\n"
        : "=&r"(bad)
        : "r"(spins)
        : "rax", "rcx", "rdx", "cc", "memory");
    return bad;
}

int main(void)
{
    long bad = 0;
    for (int round = 0; round < 20; round++)
        bad += probe(200000);
    printf("red zone words overwritten: %ld\n", bad);
    return bad != 0;
}
