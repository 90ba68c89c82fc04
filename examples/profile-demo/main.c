/*
 * profile-demo - a program with one hot loop and one hot forwarded system
 * call, for Multiverse: Profile and "Move into kernel mode".
 *
 *   profile-demo [ROUNDS [CALLS]]
 *
 * crunch() spends ROUNDS iterations on integer mixing (the hot loop: all of it
 * runs in kernel mode, no system call); ask_pid() calls getpid() CALLS times
 * (a forwarded call until the manifest's placement makes it native). The
 * output does not depend on where getpid runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The hot loop: a chain of multiply-xorshift steps the compiler cannot fold. */
unsigned long crunch(unsigned long rounds, unsigned long seed)
{
	unsigned long x = seed | 1;

	for (unsigned long i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		x *= 0x9e3779b97f4a7c15ul;
	}
	return x;
}

/* The hot forwarded call: CALLS getpid() system calls. */
long ask_pid(long calls)
{
	long same = 0;
	pid_t first = getpid();

	for (long i = 0; i < calls; i++)
		same += getpid() == first;
	return same;
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 150000000;
	long calls = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;

	printf("crunch: %016lx\n", crunch(rounds, (unsigned long)argc));
	printf("getpid: %ld of %ld calls agree\n", ask_pid(calls), calls);
	return 0;
}
