/* stack.c - the program's initial stack (argv, envp, auxv) and boot info. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "launch.h"

#define ARG_MAX_BYTES (MV_STACK_SIZE / 4)   /* as Linux: a quarter of the stack */
#define HOT_STACK (64 * 1024)

/* A downward allocator on the stack being built. */
struct builder {
    uint64_t sp, floor;
};

static uint64_t push_bytes(struct builder *b, const void *p, size_t n)
{
    if (n > b->sp - b->floor)
        mv_fail("the program's arguments and environment do not fit its stack "
                "(limit %llu bytes)", (unsigned long long)ARG_MAX_BYTES);
    b->sp -= n;
    memcpy((void *)b->sp, p, n);
    return b->sp;
}

static uint64_t push_str(struct builder *b, const char *s)
{
    return push_bytes(b, s, strlen(s) + 1);
}

static size_t count(char **v)
{
    size_t n = 0;
    while (v[n])
        n++;
    return n;
}

static void fill_boot_info(struct mv_region *r, const struct mv_image *img,
                           const struct mv_opts *o, uint64_t sp)
{
    struct mv_boot_info *bi = r->boot;
    memset(bi, 0, sizeof *bi);
    bi->magic = MV_BOOT_MAGIC;
    bi->abi_version = MV_ABI_VERSION;
    bi->flags = (o->trace ? MV_BOOT_TRACE : 0) | (o->debug ? MV_BOOT_DEBUG : 0);
    bi->ram_size = r->ram_size;
    bi->region_base = r->base;
    bi->region_end = r->end;
    bi->entry = img->entry;
    bi->initial_sp = sp;
    bi->brk_start = img->brk_start;
    bi->stack_top = r->end;
    bi->stack_low = r->end - MV_STACK_SIZE;
    bi->ncpus = o->cpus;
    bi->nr_slots = MV_NR_SLOTS;
    bi->pid = getpid();
    bi->uid = (int32_t)getuid();
    bi->gid = (int32_t)getgid();
    bi->euid = (int32_t)geteuid();
    bi->egid = (int32_t)getegid();
    bi->host.ppid = (int32_t)getppid();
    if (getrandom(bi->host.rng_seed, sizeof bi->host.rng_seed, 0) != (ssize_t)sizeof bi->host.rng_seed)
        mv_fail("getrandom failed");
    struct utsname u;
    if (uname(&u) == 0) {
        memcpy(bi->uts[0], u.sysname, 65);
        memcpy(bi->uts[1], u.nodename, 65);
        memcpy(bi->uts[2], u.release, 65);
        memcpy(bi->uts[3], u.version, 65);
        memcpy(bi->uts[4], u.machine, 65);
        memcpy(bi->uts[5], u.domainname, 65);
    }
    const char *err = mv_sys_placement(bi->native_map, o->native_list, o->forward_list);
    if (err)
        mv_fail("%s", err);
}

void mv_stack_build(struct mv_region *r, const struct mv_image *img,
                    const struct mv_opts *o, char **envp)
{
    struct builder b = { r->end, r->end - ARG_MAX_BYTES };
    char **argv = o->prog_argv;
    size_t argc = count(argv), envc = count(envp);

    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        mv_fail("getrandom failed");
    uint64_t execfn = push_str(&b, img->path); /* the file run, as execve's */
    uint64_t platform = push_str(&b, "x86_64");
    uint64_t rnd_at = push_bytes(&b, rnd, sizeof rnd);
    uint64_t *strs = calloc(argc + envc, sizeof *strs);
    if (!strs)
        mv_fail("out of memory");
    for (size_t i = 0; i < argc; i++)
        strs[i] = push_str(&b, argv[i]);
    for (size_t i = 0; i < envc; i++)
        strs[argc + i] = push_str(&b, envp[i]);

    uint64_t aux[][2] = {
        { AT_PHDR, img->phdr }, { AT_PHENT, img->phent }, { AT_PHNUM, img->phnum },
        { AT_PAGESZ, MV_PAGE_SIZE }, { AT_BASE, 0 }, { AT_FLAGS, 0 },
        { AT_ENTRY, img->entry }, { AT_UID, getuid() }, { AT_EUID, geteuid() },
        { AT_GID, getgid() }, { AT_EGID, getegid() }, { AT_SECURE, 0 },
        { AT_RANDOM, rnd_at }, { AT_HWCAP, getauxval(AT_HWCAP) },
        { AT_HWCAP2, getauxval(AT_HWCAP2) }, { AT_CLKTCK, (uint64_t)sysconf(_SC_CLK_TCK) },
        { AT_PLATFORM, platform }, { AT_EXECFN, execfn }, { AT_NULL, 0 },
    };
    size_t words = 1 + (argc + 1) + (envc + 1) + 2 * (sizeof aux / sizeof aux[0]);
    b.sp &= ~15ull;
    if (words * 8 > b.sp - b.floor)
        mv_fail("the program's arguments and environment do not fit its stack");
    b.sp = (b.sp - words * 8) & ~15ull; /* rsp % 16 == 0 at entry, pointing at argc */
    uint64_t *w = (uint64_t *)b.sp;
    *w++ = argc;
    for (size_t i = 0; i < argc; i++)
        *w++ = strs[i];
    *w++ = 0;
    for (size_t i = 0; i < envc; i++)
        *w++ = strs[argc + i];
    *w++ = 0;
    memcpy(w, aux, sizeof aux);
    free(strs);

    uint64_t hot = r->end - b.sp + HOT_STACK;
    mv_region_prefault(r->end - hot, hot);
    fill_boot_info(r, img, o, b.sp);
}
