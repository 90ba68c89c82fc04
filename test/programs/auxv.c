/* auxv.c - the auxiliary vector: values that must be the same natively and
 * as a hybrid, and sanity checks on those that differ per run. */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern const Elf64_Ehdr __ehdr_start;
extern void _start(void);

static void check(const char *what, int ok)
{
    printf("%-40s %s\n", what, ok ? "ok" : "FAILED");
}

int main(void)
{
    unsigned long pagesz = getauxval(AT_PAGESZ);
    unsigned long rnd = getauxval(AT_RANDOM);
    unsigned long entry = getauxval(AT_ENTRY);
    unsigned long phdr = getauxval(AT_PHDR);
    unsigned long phent = getauxval(AT_PHENT);
    unsigned long phnum = getauxval(AT_PHNUM);
    const char *execfn = (const char *)getauxval(AT_EXECFN);

    printf("AT_PAGESZ=%lu\n", pagesz);
    printf("AT_PHENT=%lu\n", phent);
    printf("AT_PHNUM=%lu (e_phnum %u)\n", phnum, __ehdr_start.e_phnum);
    printf("AT_ENTRY=%#lx\n", entry);
    printf("AT_PHDR=%#lx\n", phdr);
    printf("AT_UID=%lu AT_EUID=%lu AT_GID=%lu AT_EGID=%lu\n", getauxval(AT_UID),
           getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_EXECFN=%s\n", execfn ? execfn : "(none)");
    check("AT_PAGESZ == sysconf(_SC_PAGESIZE)", pagesz == (unsigned long)sysconf(_SC_PAGESIZE));
    check("AT_PAGESZ == 4096", pagesz == 4096);
    check("AT_RANDOM non-NULL", rnd != 0);
    if (rnd) {
        unsigned char bytes[16];
        memcpy(bytes, (const void *)rnd, 16);
        int nonzero = 0;
        for (int i = 0; i < 16; i++)
            nonzero |= bytes[i];
        check("AT_RANDOM 16 readable, not all zero", nonzero != 0);
    }
    check("AT_ENTRY == &_start", entry == (unsigned long)&_start);
    check("AT_ENTRY == e_entry", entry == __ehdr_start.e_entry);
    check("AT_PHDR == image + e_phoff",
          phdr == (unsigned long)&__ehdr_start + __ehdr_start.e_phoff);
    check("AT_PHENT == sizeof(Elf64_Phdr)", phent == sizeof(Elf64_Phdr));
    if (phdr) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;
        int loads = 0;
        for (unsigned long i = 0; i < phnum; i++)
            loads += ph[i].p_type == PT_LOAD;
        check("program headers readable, PT_LOAD present", loads > 0);
    }
    check("AT_UID == getuid()", getauxval(AT_UID) == getuid());
    check("AT_EGID == getegid()", getauxval(AT_EGID) == getegid());
    return 0;
}
