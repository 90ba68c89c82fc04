/* elf.c - validate and load the program ELF; read the aerokernel's ABI note. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launch.h"

struct file {
    const unsigned char *p;
    size_t size;
};

static struct file map_file(const char *path, const char *what)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && !strcmp(what, "aerokernel"))
            mv_fail("no aerokernel at %s: build it with 'make -C kernel' or pass --kernel PATH",
                    path);
        mv_fail("cannot open the %s %s: %s", what, path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        mv_fail("the %s %s is not a regular file", what, path);
    if ((size_t)st.st_size < sizeof(Elf64_Ehdr))
        mv_fail("the %s %s is not an ELF file (too small)", what, path);
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        mv_fail("cannot read the %s %s: %s", what, path, strerror(errno));
    return (struct file){ p, (size_t)st.st_size };
}

static void unmap_file(struct file f)
{
    munmap((void *)f.p, f.size);
}

/* The ELF header after checking it is a 64-bit little-endian x86-64 ELF
 * whose program headers lie inside the file. */
static const Elf64_Ehdr *ehdr_of(struct file f, const char *path, const char *what)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f.p;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        mv_fail("the %s %s is not an ELF file", what, path);
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64)
        mv_fail("the %s %s is not an x86-64 ELF file", what, path);
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > f.size ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > f.size - eh->e_phoff)
        mv_fail("the %s %s has malformed program headers", what, path);
    return eh;
}

static const Elf64_Phdr *phdrs_of(struct file f, const Elf64_Ehdr *eh)
{
    return (const Elf64_Phdr *)(f.p + eh->e_phoff);
}

/* Search the notes in [p, p+n) for (MV_NOTE_NAME, MV_NOTE_ABI). */
static bool find_abi_note(const unsigned char *p, uint64_t n, uint32_t *version)
{
    const size_t namesz_want = sizeof MV_NOTE_NAME;
    uint64_t off = 0;
    while (n - off >= sizeof(Elf64_Nhdr)) {
        const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(p + off);
        uint64_t name_len = ((uint64_t)nh->n_namesz + 3) & ~3ull;
        uint64_t desc_len = ((uint64_t)nh->n_descsz + 3) & ~3ull;
        off += sizeof *nh;
        if (name_len > n - off || desc_len > n - off - name_len)
            return false;
        if (nh->n_namesz == namesz_want && nh->n_type == MV_NOTE_ABI &&
            nh->n_descsz >= 4 && !memcmp(p + off, MV_NOTE_NAME, namesz_want)) {
            memcpy(version, p + off + name_len, 4);
            return true;
        }
        off += name_len + desc_len;
    }
    return false;
}

static bool kernel_note(struct file f, const Elf64_Ehdr *eh, uint32_t *version)
{
    const Elf64_Phdr *ph = phdrs_of(f, eh);
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_NOTE && ph[i].p_offset <= f.size &&
            ph[i].p_filesz <= f.size - ph[i].p_offset &&
            find_abi_note(f.p + ph[i].p_offset, ph[i].p_filesz, version))
            return true;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > f.size ||
        (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > f.size - eh->e_shoff)
        return false;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(f.p + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++)
        if (sh[i].sh_type == SHT_NOTE && sh[i].sh_offset <= f.size &&
            sh[i].sh_size <= f.size - sh[i].sh_offset &&
            find_abi_note(f.p + sh[i].sh_offset, sh[i].sh_size, version))
            return true;
    return false;
}

void mv_elf_check_kernel(const char *path)
{
    struct file f = map_file(path, "aerokernel");
    const Elf64_Ehdr *eh = ehdr_of(f, path, "aerokernel");
    uint32_t version = 0;
    if (!kernel_note(f, eh, &version))
        mv_fail("%s is not a Multiverse aerokernel (no \"%s\" ABI note)", path, MV_NOTE_NAME);
    if (version != MV_ABI_VERSION)
        mv_fail("the aerokernel %s speaks ABI version %u but this launcher speaks %u: "
                "rebuild both with 'npm run build'", path, version, MV_ABI_VERSION);
    unmap_file(f);
}

/* Validate the program; returns its header (f stays mapped). */
static const Elf64_Ehdr *probe(struct file f, const char *path)
{
    const Elf64_Ehdr *eh = ehdr_of(f, path, "program");
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        mv_fail("%s is not an executable ELF file", path);
    const Elf64_Phdr *ph = phdrs_of(f, eh);
    bool dynamic = false, loads = false;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP)
            mv_fail("%s is dynamically linked; Multiverse runs static programs: "
                    "rebuild it with bin/mvcc (e.g. make CC=bin/mvcc)", path);
        if (ph[i].p_type == PT_DYNAMIC)
            dynamic = true;
        if (ph[i].p_type == PT_LOAD)
            loads = true;
    }
    if (!loads || (eh->e_type == ET_DYN && !dynamic))
        mv_fail("%s is not a static executable: rebuild it with bin/mvcc", path);
    return eh;
}

void mv_elf_probe(const char *path)
{
    struct file f = map_file(path, "program");
    probe(f, path);
    unmap_file(f);
}

static uint64_t page_down(uint64_t a) { return a & ~(MV_PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t a) { return (a + MV_PAGE_SIZE - 1) & ~(MV_PAGE_SIZE - 1); }

/* Where the program headers are in memory once the segments are loaded. */
static uint64_t phdr_addr(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t bias)
{
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_PHDR)
            return ph[i].p_vaddr + bias;
    uint64_t len = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && eh->e_phoff >= ph[i].p_offset &&
            eh->e_phoff - ph[i].p_offset + len <= ph[i].p_filesz)
            return ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset) + bias;
    return 0;
}

static void load_segment(struct file f, const Elf64_Phdr *ph, uint64_t bias)
{
    unsigned char *dst = (unsigned char *)(ph->p_vaddr + bias);
    memcpy(dst, f.p + ph->p_offset, ph->p_filesz);
    /* The memfd is fresh, so bss is already zero except for whatever we
     * may have written on the page where the file part ends. */
    uint64_t file_end = ph->p_vaddr + bias + ph->p_filesz;
    uint64_t zero_end = ph->p_vaddr + bias + ph->p_memsz;
    if (zero_end > page_up(file_end))
        zero_end = page_up(file_end);
    if (zero_end > file_end)
        memset((void *)file_end, 0, zero_end - file_end);
}

void mv_elf_load(const char *path, const struct mv_region *r, struct mv_image *img)
{
    struct file f = map_file(path, "program");
    const Elf64_Ehdr *eh = probe(f, path);
    const Elf64_Phdr *ph = phdrs_of(f, eh);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_offset > f.size || ph[i].p_filesz > f.size - ph[i].p_offset ||
            ph[i].p_filesz > ph[i].p_memsz || ph[i].p_vaddr + ph[i].p_memsz < ph[i].p_vaddr)
            mv_fail("%s has a malformed loadable segment", path);
        if (ph[i].p_vaddr < lo)
            lo = ph[i].p_vaddr;
        if (ph[i].p_vaddr + ph[i].p_memsz > hi)
            hi = ph[i].p_vaddr + ph[i].p_memsz;
    }
    memset(img, 0, sizeof *img);
    img->path = path;
    if (eh->e_type == ET_DYN)
        img->bias = MV_IMAGE_BASE - page_down(lo);
    uint64_t limit = r->end - MV_STACK_SIZE - MV_STACK_GUARD;
    if (lo + img->bias < r->base || hi + img->bias > limit || hi + img->bias < hi)
        mv_fail("%s is linked at 0x%llx-0x%llx, outside the program region 0x%llx-0x%llx "
                "(link it with bin/mvcc, or raise --mem)", path, (unsigned long long)lo,
                (unsigned long long)hi, (unsigned long long)r->base, (unsigned long long)limit);
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD)
            load_segment(f, &ph[i], img->bias);
    img->lo = lo + img->bias;
    img->hi = hi + img->bias;
    img->brk_start = page_up(img->hi);
    img->entry = eh->e_entry + img->bias;
    img->phent = sizeof(Elf64_Phdr);
    img->phnum = eh->e_phnum;
    img->phdr = phdr_addr(eh, ph, img->bias);
    if (!img->phdr || img->phdr < img->lo || img->phdr > img->hi ||
        img->phnum * sizeof(Elf64_Phdr) > img->hi - img->phdr)
        mv_fail("%s does not load its own program headers; relink it with bin/mvcc", path);
    unmap_file(f);
}
