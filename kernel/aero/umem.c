/* umem.c - the program's memory calls (brk, mmap, munmap, mremap, mprotect,
 * madvise) on its region: a top-down allocator over a sorted set of free
 * ranges below the stack guard. Memory handed out is always zero: the
 * memfd starts zeroed, and whatever may have been used before is cleared. */
#include "kern.h"

#define PAGE                4096ull
#define PROT_WRITE          0x2
#define MAP_SHARED          0x01
#define MAP_PRIVATE         0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_FIXED           0x10
#define MAP_ANONYMOUS       0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE      1
#define MREMAP_FIXED        2
#define MADV_DONTNEED       4
#define NR_PREAD64          17
#define EISDIR              21
#define ESPIPE              29

struct range {
    uint64_t lo, hi;
};

static struct range freel[UMEM_MAX_RANGES];    /* sorted, disjoint, not adjacent */
static unsigned nfree;
static uint64_t area_lo, area_hi;               /* [region_base, stack guard) */
static uint64_t brk_base, brk_cur;
/* Memory outside [clean_lo, clean_hi) may have been used: clear it when
 * handed out again. Inside, it has never been handed out. */
static uint64_t clean_lo, clean_hi;

void umem_init(void)
{
    area_lo = k_boot->region_base;
    area_hi = k_boot->stack_low - MV_STACK_GUARD;
    brk_base = brk_cur = k_boot->brk_start;
    clean_lo = brk_base;
    clean_hi = area_hi;
    freel[0] = (struct range){ brk_base, area_hi };
    nfree = brk_base < area_hi;
}

static void remove_at(unsigned i)
{
    memmove(&freel[i], &freel[i + 1], (nfree - i - 1) * sizeof freel[0]);
    nfree--;
}

static bool insert_at(unsigned i, struct range r)
{
    if (nfree == UMEM_MAX_RANGES)
        return false;
    memmove(&freel[i + 1], &freel[i], (nfree - i) * sizeof freel[0]);
    freel[i] = r;
    nfree++;
    return true;
}

/* Add [lo, hi) to the free set, merging with overlapping or adjacent ranges. */
static void free_add(uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return;
    unsigned i = 0;
    while (i < nfree && freel[i].hi < lo)
        i++;
    while (i < nfree && freel[i].lo <= hi) {
        lo = freel[i].lo < lo ? freel[i].lo : lo;
        hi = freel[i].hi > hi ? freel[i].hi : hi;
        remove_at(i);
    }
    if (!insert_at(i, (struct range){ lo, hi }))
        kprintf("umem: free-range table full, %lx-%lx leaks\n", lo, hi);
}

/* Remove [lo, hi) from the free set. False if the table cannot hold the split. */
static bool free_take(uint64_t lo, uint64_t hi)
{
    for (unsigned i = 0; i < nfree; i++) {
        struct range r = freel[i];
        if (r.hi <= lo || r.lo >= hi)
            continue;
        if (r.lo < lo && r.hi > hi) {
            if (nfree == UMEM_MAX_RANGES)
                return false;
            freel[i].hi = lo;
            insert_at(i + 1, (struct range){ hi, r.hi });
            return true;
        }
        if (r.lo < lo) {
            freel[i].hi = lo;
        } else if (r.hi > hi) {
            freel[i].lo = hi;
        } else {
            remove_at(i);
            i--;
        }
    }
    return true;
}

static bool is_free(uint64_t lo, uint64_t hi)
{
    for (unsigned i = 0; i < nfree; i++)
        if (freel[i].lo <= lo && hi <= freel[i].hi)
            return true;
    return false;
}

/* Highest free [a, a+len), or 0. */
static uint64_t alloc_top(uint64_t len)
{
    for (unsigned i = nfree; i-- > 0;)
        if (freel[i].hi - freel[i].lo >= len)
            return freel[i].hi - len;
    return 0;
}

static void zero(uint64_t lo, uint64_t hi)
{
    if (lo < hi)
        memset((void *)lo, 0, hi - lo);
}

/* [lo, hi) goes back to the free set. With MV_BOOT_DEBUG it is filled with
 * junk first, so a use after free shows (it is cleared when handed out). */
static void release(uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return;
    if (k_verbose())
        memset((void *)lo, 0xa5, hi - lo);
    free_add(lo, hi);
}

/* [lo, hi) becomes (or is again) the program's: clear what may be used. */
static void hand_out(uint64_t lo, uint64_t hi)
{
    zero(lo, hi < clean_lo ? hi : clean_lo);
    zero(lo > clean_hi ? lo : clean_hi, hi);
    if (hi <= clean_lo || lo >= clean_hi)
        return;
    if (lo <= clean_lo)
        clean_lo = hi < clean_hi ? hi : clean_hi;
    else if (hi >= clean_hi)
        clean_hi = lo;
    else if (lo - clean_lo < clean_hi - hi)
        clean_lo = hi;
    else
        clean_hi = lo;
}

uint64_t umem_reserve(uint64_t len)
{
    uint64_t a = alloc_top(len);
    if (!a || !free_take(a, a + len))
        return 0;
    hand_out(a, a + len);
    return a;
}

static bool in_area(uint64_t lo, uint64_t len)
{
    return lo >= area_lo && lo <= area_hi && len <= area_hi - lo;
}

static uint64_t page_len(uint64_t len)
{
    return len > ~0ull - PAGE ? 0 : ALIGN_UP(len, PAGE);
}

long sys_brk(struct trapframe *tf)
{
    uint64_t want = tf->rdi;
    if (want < brk_base || want > area_hi)
        return (long)brk_cur;
    uint64_t old_top = ALIGN_UP(brk_cur, PAGE), new_top = ALIGN_UP(want, PAGE);
    if (new_top > old_top) {
        if (!is_free(old_top, new_top) || !free_take(old_top, new_top))
            return (long)brk_cur;
        hand_out(old_top, new_top);
    } else {
        release(new_top, old_top);
    }
    brk_cur = want;
    return (long)brk_cur;
}

/* Fill [addr, addr+len) from file fd at off with forwarded pread64 calls. */
static long fill_from_file(uint64_t addr, uint64_t len, int64_t fd, int64_t off, uint64_t site)
{
    for (uint64_t done = 0; done < len;) {
        int64_t arg[6] = { fd, (int64_t)(addr + done), (int64_t)(len - done),
                           off + (int64_t)done };
        int64_t r = fwd_syscall(NR_PREAD64, arg, site);
        if (r == -EISDIR || r == -ESPIPE)
            return -ENODEV;
        if (r < 0)
            return r;
        if (r == 0)
            break;
        done += (uint64_t)r;
    }
    return 0;
}

long sys_mmap(struct trapframe *tf)
{
    uint64_t addr = tf->rdi, len = page_len(tf->rsi), prot = tf->rdx, flags = tf->r10;
    int64_t fd = (int64_t)tf->r8, off = (int64_t)tf->r9;
    unsigned type = flags & 3;
    bool anon = flags & MAP_ANONYMOUS, fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (!tf->rsi || (off & (PAGE - 1)) || !type)
        return -EINVAL;
    if (!len)
        return -ENOMEM;
    if (!anon && type != MAP_PRIVATE && (prot & PROT_WRITE)) {
        kprintf("umem: writable MAP_SHARED file mapping (fd %ld, %lu bytes) refused: not "
                "supported by the aerokernel\n", fd, len);
        return -ENODEV;
    }
    if (fixed) {
        if (addr & (PAGE - 1))
            return -EINVAL;
        if (!in_area(addr, len))
            return -ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !is_free(addr, addr + len))
            return -EEXIST;
    } else if (!(addr & (PAGE - 1)) && addr && in_area(addr, len) && is_free(addr, addr + len)) {
        /* the hint is free: take it */
    } else if (!(addr = alloc_top(len))) {
        return -ENOMEM;
    }
    if (!free_take(addr, addr + len))
        return -ENOMEM;
    hand_out(addr, addr + len);
    if (fixed)
        zero(addr, addr + len);     /* replaced contents read as zero */
    if (!anon) {
        long r = fill_from_file(addr, tf->rsi, fd, off, tf->rip);
        if (r < 0) {
            free_add(addr, addr + len);
            return r;
        }
    }
    dlog(UMEM, "umem: mmap %lx-%lx%s\n", addr, addr + len, anon ? "" : " (file)");
    return (long)addr;
}

long sys_munmap(struct trapframe *tf)
{
    uint64_t addr = tf->rdi, len = page_len(tf->rsi);
    if ((addr & (PAGE - 1)) || !len || addr + len < addr)
        return -EINVAL;
    uint64_t lo = addr < area_lo ? area_lo : addr, hi = addr + len > area_hi ? area_hi : addr + len;
    release(lo, hi);
    dlog(UMEM, "umem: munmap %lx-%lx\n", lo, hi);
    return 0;
}

long sys_mremap(struct trapframe *tf)
{
    uint64_t old = tf->rdi, old_len = page_len(tf->rsi), new_len = page_len(tf->rdx);
    uint64_t flags = tf->r10, want = tf->r8;
    if ((old & (PAGE - 1)) || !new_len || !old_len || (flags & ~3ull) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
        return -EINVAL;
    if (!in_area(old, old_len))
        return -EFAULT;
    uint64_t to;
    if (flags & MREMAP_FIXED) {
        if ((want & (PAGE - 1)) || !in_area(want, new_len) ||
            (want < old + old_len && old < want + new_len))
            return -EINVAL;
        to = want;
    } else if (new_len <= old_len) {
        release(old + new_len, old + old_len);
        return (long)old;
    } else if (in_area(old, new_len) && is_free(old + old_len, old + new_len)) {
        if (!free_take(old + old_len, old + new_len))
            return -ENOMEM;
        hand_out(old + old_len, old + new_len);
        return (long)old;
    } else if (!(flags & MREMAP_MAYMOVE) || !(to = alloc_top(new_len))) {
        return -ENOMEM;
    }
    if (!free_take(to, to + new_len))
        return -ENOMEM;
    hand_out(to, to + new_len);
    if (flags & MREMAP_FIXED)
        zero(to, to + new_len);
    memcpy((void *)to, (const void *)old, old_len < new_len ? old_len : new_len);
    release(old, old + old_len);
    dlog(UMEM, "umem: mremap %lx+%lx -> %lx+%lx\n", old, old_len, to, new_len);
    return (long)to;
}

long sys_mprotect(struct trapframe *tf)
{
    if (tf->rdi & (PAGE - 1))
        return -EINVAL;
    if (!mm_user_ok(tf->rdi, page_len(tf->rsi)))
        return -ENOMEM;
    return 0;       /* one RWX mapping: protections are not enforced */
}

long sys_madvise(struct trapframe *tf)
{
    uint64_t addr = tf->rdi, len = page_len(tf->rsi);
    if (addr & (PAGE - 1))
        return -EINVAL;
    if (!mm_user_ok(addr, len))
        return -ENOMEM;
    if (tf->rdx == MADV_DONTNEED)
        zero(addr, addr + len);
    return 0;
}
