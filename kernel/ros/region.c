/* region.c - the shared guest RAM: a memfd mapped at guest-physical addresses. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "launch.h"

#define GUARD_SIZE MV_PAGE_SIZE

static void *map_fixed(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
    void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, (off_t)off);
    if (p == MAP_FAILED) {
        if (errno == EEXIST)
            mv_fail("the address range 0x%llx-0x%llx is already in use in the launcher; "
                    "it must be free to mirror guest memory (is mv-launch built as PIE?)",
                    (unsigned long long)addr, (unsigned long long)(addr + len));
        mv_fail("cannot map guest memory at 0x%llx: %s", (unsigned long long)addr,
                strerror(errno));
    }
    if (p != (void *)addr) /* kernels before 4.17 ignore MAP_FIXED_NOREPLACE */
        mv_fail("the kernel placed guest memory at %p instead of 0x%llx", p,
                (unsigned long long)addr);
    return p;
}

void mv_region_create(struct mv_region *r, uint64_t ram_size)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    int fd = memfd_create("multiverse-ram", MFD_CLOEXEC);
    if (fd < 0)
        mv_fail("memfd_create failed: %s", strerror(errno));
    r->fd = mv_fd_private(fd);
    if (ftruncate(r->fd, (off_t)ram_size) != 0)
        mv_fail("cannot size guest memory to %llu bytes: %s",
                (unsigned long long)ram_size, strerror(errno));
    r->ram_size = ram_size;
    map_fixed(MV_CTRL_BASE, ram_size - MV_CTRL_BASE, PROT_READ | PROT_WRITE, MAP_SHARED,
              r->fd, MV_CTRL_BASE);
    /* an inaccessible page after the end stops host reads that run off it */
    map_fixed(ram_size, GUARD_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r->base = MV_IMAGE_BASE;
    r->end = ram_size & ~(MV_LARGE_PAGE - 1);
    r->boot = (struct mv_boot_info *)MV_BOOT_INFO_ADDR;
    r->report = (struct mv_report *)MV_REPORT_ADDR;
    r->slots = (struct mv_slot *)MV_SLOTS_ADDR;
    mv_region_prefault(MV_CTRL_BASE, MV_SLOTS_ADDR + MV_MAX_SLOTS * sizeof(struct mv_slot)
                                     - MV_CTRL_BASE);
}

bool mv_region_ok(const struct mv_region *r, uint64_t addr, uint64_t len)
{
    if (len == 0)
        return true;
    return addr >= r->base && addr < r->end && len <= r->end - addr;
}

bool mv_region_str_ok(const struct mv_region *r, uint64_t addr)
{
    return mv_region_ok(r, addr, 1) && memchr((const void *)addr, 0, r->end - addr);
}

void mv_region_prefault(uint64_t addr, uint64_t len)
{
    uint64_t lo = addr & ~(MV_PAGE_SIZE - 1);
    uint64_t hi = (addr + len + MV_PAGE_SIZE - 1) & ~(MV_PAGE_SIZE - 1);
    if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0)
        return;
    for (uint64_t p = lo; p < hi; p += MV_PAGE_SIZE) /* kernels before 5.14 */
        *(volatile char *)p = *(volatile char *)p;
}

void mv_region_destroy(struct mv_region *r)
{
    /* The mapping stays until exit: a partner may still be inside a call
     * that touches it. Closing the memfd is what frees the memory then. */
    if (r->fd >= 0) {
        mv_fd_close(r->fd);
        r->fd = -1;
    }
}
