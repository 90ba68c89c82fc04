/* sysmisc.c - small native calls: process identity and credentials, the
 * kernel's random generator (getrandom), exit, uname, TLS, the end of the
 * run, and the calls not supported. */
#include "kern.h"
#include "x86.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

_Noreturn void k_exit_run(int status)
{
    int64_t arg[6] = { status & 0xff };
    wb_flush_all();
    kprintf("aerokernel: program exited with status %d\n", status & 0xff);
    fwd_log_stats();
    wb_log_stats();
    sched_log_stats();
    fwd_post_final(MV_REQ_EXIT, arg);
    k_halt();
}

long sys_getpid(struct trapframe *tf)
{
    (void)tf;
    return k_boot->pid;
}

/* Credentials: the launcher's, from the boot information (the program
 * cannot change them: setuid and friends are forwarded and act on the
 * launcher, whose new ids these would then not show - see placement.md). */
long sys_getppid(struct trapframe *tf) { (void)tf; return k_boot->host.ppid; }
long sys_getuid(struct trapframe *tf) { (void)tf; return k_boot->uid; }
long sys_getgid(struct trapframe *tf) { (void)tf; return k_boot->gid; }
long sys_geteuid(struct trapframe *tf) { (void)tf; return k_boot->euid; }
long sys_getegid(struct trapframe *tf) { (void)tf; return k_boot->egid; }

/* ---- getrandom: ChaCha20 with fast key erasure ----
 * The key starts as the launcher's 32 bytes of host getrandom (wiped from
 * the boot information once read) mixed with RDSEED/RDRAND when the vCPU
 * has them. Keystream is made RNG_POOL bytes at a time, and each batch
 * ends by replacing the key with fresh keystream (so earlier output cannot
 * be recomputed from the state); every RNG_HW_EVERY-th batch mixes in one
 * more RDRAND word. Always seeded: never blocks. */

#define GRND_NONBLOCK 1
#define GRND_RANDOM   2
#define GRND_INSECURE 4
#define MAX_RW_COUNT  0x7ffff000l     /* Linux's cap on one read or write */
#define RNG_POOL      512             /* keystream made at a time (a multiple of 64) */
#define RNG_HW_EVERY  16              /* refills between RDRAND words mixed in */

static struct {
    uint32_t key[8];
    uint64_t counter, refills;
    uint8_t pool[RNG_POOL] __attribute__((aligned(8)));
    uint32_t avail;             /* unused bytes at the end of pool */
    bool seeded, has_rdrand, has_rdseed;
} rng;

static uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

#define QR(a, b, c, d) (a += b, d = rotl(d ^ a, 16), c += d, b = rotl(b ^ c, 12), \
                        a += b, d = rotl(d ^ a, 8), c += d, b = rotl(b ^ c, 7))

/* One 64-byte ChaCha20 block of (key, counter), nonce 0. */
static void chacha_block(const uint32_t key[8], uint64_t counter, uint32_t out[16])
{
    uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
    for (int i = 0; i < 8; i++)
        in[4 + i] = key[i];
    in[12] = (uint32_t)counter;
    in[13] = (uint32_t)(counter >> 32);
    uint32_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = in[i];
    for (int r = 0; r < 10; r++) {
        QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++)
        out[i] = x[i] + in[i];
}

/* A hardware random word (RDSEED if seed, else RDRAND); false if the
 * instruction is missing or keeps failing. */
static bool hw_random(uint64_t *v, bool seed)
{
    if (seed ? !rng.has_rdseed : !rng.has_rdrand)
        return false;
    for (int i = 0; i < 10; i++) {
        uint8_t ok;
        if (seed)
            __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        else
            __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static void rng_mix(uint64_t v, unsigned at)
{
    rng.key[at % 8] ^= (uint32_t)v;
    rng.key[(at + 1) % 8] ^= (uint32_t)(v >> 32);
}

static void rng_seed(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    rng.has_rdrand = r[2] & (1u << 30);
    cpuid(0, 0, r);
    if (r[0] >= 7) {
        cpuid(7, 0, r);
        rng.has_rdseed = r[1] & (1u << 18);
    }
    memcpy(rng.key, k_boot->host.rng_seed, sizeof rng.key);
    memset(k_boot->host.rng_seed, 0, sizeof k_boot->host.rng_seed);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t v;
        if (hw_random(&v, true) || hw_random(&v, false))
            rng_mix(v, 2 * i);
    }
    rng.seeded = true;
}

/* Refill the pool with RNG_POOL bytes of keystream, then re-key. */
static void rng_refill(void)
{
    if (!rng.seeded)
        rng_seed();
    uint64_t v;                 /* RDRAND leaves TCG's fast path: now and then */
    if (!(rng.refills++ % RNG_HW_EVERY) && hw_random(&v, false))
        rng_mix(v, (unsigned)rng.counter);
    for (unsigned i = 0; i < RNG_POOL / 64; i++)
        chacha_block(rng.key, rng.counter++, (uint32_t *)(rng.pool + 64 * i));
    uint32_t block[16];
    chacha_block(rng.key, rng.counter++, block);      /* fast key erasure */
    memcpy(rng.key, block, sizeof rng.key);
    memset(block, 0, sizeof block);
    rng.avail = RNG_POOL;
}

/* Fill buf with len random bytes (the caller holds the kernel lock). Pool
 * bytes are wiped as they are handed out. */
static void rng_fill(uint8_t *buf, uint64_t len)
{
    while (len) {
        if (!rng.avail)
            rng_refill();
        uint64_t n = len < rng.avail ? len : rng.avail;
        uint8_t *from = rng.pool + RNG_POOL - rng.avail;
        memcpy(buf, from, n);
        memset(from, 0, n);
        rng.avail -= (uint32_t)n;
        buf += n;
        len -= n;
    }
}

long sys_getrandom(struct trapframe *tf)
{
    uint64_t buf = tf->rdi, len = tf->rsi, flags = tf->rdx;
    if (flags & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
        return -EINVAL;
    if (len > (uint64_t)MAX_RW_COUNT)
        len = MAX_RW_COUNT;
    if (!mm_user_ok(buf, len))
        return -EFAULT;
    rng_fill((uint8_t *)buf, len);
    return (long)len;
}

long sys_uname(struct trapframe *tf)
{
    if (!mm_user_ok(tf->rdi, sizeof k_boot->uts))
        return -EFAULT;
    memcpy((void *)tf->rdi, k_boot->uts, sizeof k_boot->uts);
    return 0;
}

long sys_arch_prctl(struct trapframe *tf)
{
    switch (tf->rdi) {
    case ARCH_SET_FS:
        if (!is_user_addr(tf->rsi))
            return -EPERM;
        wrmsr(MSR_FS_BASE, tf->rsi);
        return 0;
    case ARCH_GET_FS:
        if (!mm_user_ok(tf->rsi, 8))
            return -EFAULT;
        *(uint64_t *)tf->rsi = rdmsr(MSR_FS_BASE);
        return 0;
    case ARCH_SET_GS:
    case ARCH_GET_GS:
        return -EINVAL;             /* GS belongs to the kernel */
    default:
        return -EINVAL;
    }
}

static long unsupported(struct trapframe *tf)
{
    fwd_nosys_note((int64_t)tf->rax);
    return -ENOSYS;
}

long sys_fork(struct trapframe *tf) { return unsupported(tf); }
long sys_vfork(struct trapframe *tf) { return unsupported(tf); }
long sys_execve(struct trapframe *tf) { return unsupported(tf); }
