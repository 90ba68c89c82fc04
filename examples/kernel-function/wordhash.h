#ifndef WORDHASH_H
#define WORDHASH_H
/* djb2 hash of a NUL-terminated string. */
unsigned long hash_string(const char *s);
/* hash_string of s, hashed with itself again (a caller in the same file). */
unsigned long hash_twice(const char *s);
/* Decimal digits of s as an int (no libc locale). */
int atoi_simple(const char *s);
#endif
