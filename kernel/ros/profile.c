/* profile.c - mv-launch --profile: prepares the shared profile area, drains
 * the kernel's per-vCPU rings into the raw profile file (a drain thread every
 * few ms, a synchronous drain when the HRT asks with MV_REQ_PROF_DRAIN, a
 * last one at the end) and writes the file's header, native-call counts and
 * ending. The format is in docs/profiling.md ("The raw profile"). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

#define DRAIN_INTERVAL_NS 10000000  /* the drain thread's period */
#define FILE_BUFFER (1 << 20)

static FILE *out;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t drainer;
static bool drainer_on, ended;
static struct mv_prof_area *area;
static uint64_t start_ns, samples, forwarded, bad_records;
static unsigned nrings;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A JSON string (quotes included). Bytes >= 0x80 pass as they are. */
static void json_str(const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_path(const char *path)
{
    char abs[PATH_MAX];
    json_str(realpath(path, abs) ? abs : path);
}

/* Placeable calls (neither owned by the kernel nor always forwarded) whose
 * placement bit is `native`, as a JSON array of names. */
static void json_placement(const uint8_t *map, bool native)
{
    bool first = true;
    fputc('[', out);
    for (long nr = 0; nr < (long)MV_MAX_SYSCALLS; nr++) {
        enum mv_sys_class c = mv_sys_class(nr);
        if (c == MV_CLS_NONE || c == MV_CLS_OWN || c == MV_CLS_FWD)
            continue;
        if (((map[nr / 8] >> (nr % 8)) & 1) != native)
            continue;
        if (!first)
            fputc(',', out);
        json_str(mv_sys_name(nr));
        first = false;
    }
    fputc(']', out);
}

void mv_prof_open(const char *path)
{
    if (!path)
        return;
    start_ns = mono_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        mv_fail("cannot open the profile file %s: %s", path, strerror(errno));
    out = fdopen(mv_fd_private(fd), "w");
    if (!out)
        mv_fail("cannot open the profile file %s: %s", path, strerror(errno));
    setvbuf(out, NULL, _IOFBF, FILE_BUFFER);
    fputs("mvprof 1\n", out);
}

void mv_prof_setup(struct mv_region *r, const struct mv_opts *o, const char *prog_path,
                   enum mv_accel accel)
{
    if (!out)
        return;
    area = (struct mv_prof_area *)MV_PROF_ADDR;
    nrings = o->cpus < MV_PROF_MAX_CPUS ? o->cpus : MV_PROF_MAX_CPUS;
    uint64_t words = 1, space = (MV_PROF_END - MV_PROF_RINGS_ADDR) / 8 / nrings;
    /* testing knob: smaller rings, so that synchronous drains happen */
    const char *env = getenv("MULTIVERSE_PROF_RING_WORDS");
    if (env && *env)
        space = strtoull(env, NULL, 0) < space ? strtoull(env, NULL, 0) : space;
    if (space < 4 * MV_PROF_RESERVE)
        mv_fail("MULTIVERSE_PROF_RING_WORDS must be at least %u", 4 * MV_PROF_RESERVE);
    while (words * 2 <= space)
        words *= 2;
    memset(area, 0, sizeof *area);
    area->ring_words = (uint32_t)words;
    area->nrings = nrings;
    mv_region_prefault(MV_PROF_ADDR, MV_PROF_RINGS_ADDR + nrings * words * 8 - MV_PROF_ADDR);
    r->boot->prof_hz = o->profile_hz;

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    fputs("H {\"program\":", out);
    json_path(prog_path);
    fputs(",\"kernel\":", out);
    json_path(o->kernel);
    fputs(",\"args\":[", out);
    for (char **a = o->prog_argv + 1; *a; a++) {
        if (a != o->prog_argv + 1)
            fputc(',', out);
        json_str(*a);
    }
    fprintf(out, "],\"cpus\":%u,\"hz\":%u,\"accel\":\"%s\",\"native\":", o->cpus, o->profile_hz,
            accel == MV_ACCEL_KVM ? "kvm" : "tcg");
    json_placement(r->boot->native_map, true);
    fputs(",\"forwarded\":", out);
    json_placement(r->boot->native_map, false);
    fprintf(out, ",\"start_unix_ms\":%llu}\n",
            (unsigned long long)now.tv_sec * 1000ull + (unsigned long long)now.tv_nsec / 1000000);
    fflush(out);
}

/* ---- draining ---- */

/* Lines are formatted by hand into one buffer: the drain shares a host
 * core with the partners, and printf would cost them ~1 us a record. */
struct line {
    char buf[64 + 18 * (4 + MV_PROF_MAX_ADDRS)];
    size_t n;
};

static void put_c(struct line *l, char c)
{
    l->buf[l->n++] = c;
}

static void put_hex(struct line *l, uint64_t v)
{
    char tmp[16];
    int k = 0;
    do {
        tmp[k++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (k)
        l->buf[l->n++] = tmp[--k];
}

static void put_dec(struct line *l, uint64_t v, bool neg)
{
    char tmp[20];
    int k = 0;
    if (neg) {
        put_c(l, '-');
        v = -v;
    }
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        l->buf[l->n++] = tmp[--k];
}

/* " ADDR" for n words of the ring from t, then the newline. */
static void put_addrs(struct line *l, const uint64_t *w, uint64_t t, uint64_t mask, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        put_c(l, ' ');
        put_hex(l, w[(t + i) & mask]);
    }
    put_c(l, '\n');
}

/* Write the records of ring i up to its head; callers hold the lock. */
static void drain_ring(unsigned i)
{
    struct mv_prof_ring *r = &area->ring[i];
    uint64_t mask = area->ring_words - 1;
    const uint64_t *w = (const uint64_t *)(MV_PROF_RINGS_ADDR + 8ull * i * area->ring_words);
    uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), t = r->tail;
    if (head - t > area->ring_words) {  /* the kernel wrote past the tail: a bug */
        mv_log_note("profile ring %u: head %llu is %llu words past tail %llu", i,
                    (unsigned long long)head, (unsigned long long)(head - t),
                    (unsigned long long)t);
        bad_records++;
        t = head;
    }
    while (t < head) {
        uint64_t w0 = w[t & mask];
        unsigned type = w0 & 0xff, n = (w0 >> 8) & 0xff, weight = (w0 >> 16) & 0xffff;
        int tid = (int)(int32_t)(w0 >> 32);
        unsigned len = type == MV_PROF_REC_FWD ? 4 + n : type == MV_PROF_REC_IDLE ? 1 : 1 + n;
        if ((type != MV_PROF_REC_SAMPLE && type != MV_PROF_REC_IDLE && type != MV_PROF_REC_FWD) ||
            n > MV_PROF_MAX_ADDRS || t + len > head) {
            mv_log_note("profile ring %u: bad record %llx at %llu; %llu words skipped", i,
                        (unsigned long long)w0, (unsigned long long)t,
                        (unsigned long long)(head - t));
            bad_records++;
            t = head;
            break;
        }
        struct line l = { .n = 0 };
        if (type == MV_PROF_REC_FWD) {
            int64_t nr = (int64_t)w[(t + 1) & mask];
            put_c(&l, 'F');
            put_c(&l, ' ');
            put_dec(&l, (uint64_t)(int64_t)tid, tid < 0);
            put_c(&l, ' ');
            put_dec(&l, (uint64_t)nr, nr < 0);
            put_c(&l, ' ');
            put_dec(&l, w[(t + 2) & mask], false);
            put_c(&l, ' ');
            put_dec(&l, w[(t + 3) & mask], false);
            put_addrs(&l, w, t + 4, mask, n);
            fwrite(l.buf, 1, l.n, out);
            forwarded++;
        } else {
            put_c(&l, 'S');
            put_c(&l, ' ');
            put_dec(&l, i, false);
            put_c(&l, ' ');
            put_dec(&l, type == MV_PROF_REC_IDLE ? 0 : (uint64_t)(int64_t)tid, tid < 0);
            put_addrs(&l, w, t + 1, mask, type == MV_PROF_REC_IDLE ? 0 : n);
            for (unsigned k = 0; k < weight; k++)
                fwrite(l.buf, 1, l.n, out);
            samples += weight;
        }
        t += len;
    }
    __atomic_store_n(&r->tail, t, __ATOMIC_RELEASE);
}

static void drain_locked(void)
{
    if (ended || !area)
        return;
    for (unsigned i = 0; i < nrings; i++)
        drain_ring(i);
}

void mv_prof_drain(void)
{
    if (!out)
        return;
    pthread_mutex_lock(&lock);
    drain_locked();
    pthread_mutex_unlock(&lock);
}

static void *drain_main(void *arg)
{
    (void)arg;
    /* below the partners: they are on the forwarding path */
    setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
    struct timespec period = { 0, DRAIN_INTERVAL_NS };
    for (;;) {
        nanosleep(&period, NULL);
        pthread_mutex_lock(&lock);
        bool stop = ended;
        drain_locked();
        if (!stop)
            fflush(out);
        pthread_mutex_unlock(&lock);
        if (stop)
            return NULL;
    }
}

void mv_prof_start(void)
{
    if (!out)
        return;
    int err = pthread_create(&drainer, NULL, drain_main, NULL);
    if (err)
        mv_fail("cannot start the profile drain thread: %s", strerror(err));
    drainer_on = true;
}

void mv_prof_end(int status)
{
    if (!out)
        return;
    pthread_mutex_lock(&lock);
    if (ended) {
        pthread_mutex_unlock(&lock);
        return;
    }
    drain_locked();
    ended = true;
    uint64_t dropped = 0;
    if (area) {
        for (long nr = 0; nr < (long)MV_MAX_SYSCALLS; nr++)
            if (area->native_count[nr])
                fprintf(out, "N %ld %llu\n", nr, (unsigned long long)area->native_count[nr]);
        for (unsigned i = 0; i < nrings; i++) {
            const struct mv_prof_ring *r = &area->ring[i];
            dropped += r->dropped;
            fprintf(out, "# ring %u: samples %llu dropped %llu missed %llu forwarded %llu "
                    "sync_drains %llu\n", i, (unsigned long long)r->samples,
                    (unsigned long long)r->dropped, (unsigned long long)r->missed,
                    (unsigned long long)r->forwarded, (unsigned long long)r->drains);
        }
    }
    if (bad_records)
        fprintf(out, "# %llu bad records skipped (see the kernel log)\n",
                (unsigned long long)bad_records);
    fprintf(out, "E {\"duration_ns\":%llu,\"samples\":%llu,\"dropped\":%llu,\"status\":%d}\n",
            (unsigned long long)(mono_ns() - start_ns), (unsigned long long)samples,
            (unsigned long long)dropped, status);
    if (fflush(out) != 0)
        mv_msg("cannot write the profile file: %s", strerror(errno));
    pthread_mutex_unlock(&lock);
}
