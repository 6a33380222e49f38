/*
 * alloc.c - where the core gets memory and randomness.
 *
 * Every allocation the core makes goes through hmap__alloc or
 * hmap__alloc_aligned, so that the tests can fail the N-th one
 * (hmap_testing.h) and prove that running out of memory never loses an
 * entry, and so that a program can give map headers, directories and
 * small tables memory of its own (hmap_set_allocator); large tables are
 * always mapped with mmap.  Randomness (map seeds, iteration start points) comes from a
 * per-thread splitmix64 stream seeded from the kernel, so that reads, which
 * must not write shared memory, can still start an iteration at a random
 * place.
 */
#include "hmap_internal.h"
#include "hmap_testing.h"
#include "hash.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* The test hooks' counters.  Counting costs a locked add, which a program
 * that never asks for the count should not pay on every allocation (map
 * creation above all): the first call of either hook arms it. */
static bool alloc_armed;      /* relaxed atomic */
static long alloc_count;      /* attempts since armed (relaxed atomic) */
static long alloc_fail_at;    /* the attempt number that fails; 0: none */

static void arm_alloc_counting(void)
{
    __atomic_store_n(&alloc_armed, true, __ATOMIC_RELAXED);
}

void hmap_testing_fail_nth_alloc(long n)
{
    arm_alloc_counting();
    long now = __atomic_load_n(&alloc_count, __ATOMIC_RELAXED);
    __atomic_store_n(&alloc_fail_at, n > 0 ? now + n : 0, __ATOMIC_RELAXED);
}

long hmap_testing_alloc_count(void)
{
    arm_alloc_counting();
    return __atomic_load_n(&alloc_count, __ATOMIC_RELAXED);
}

static bool injected_failure(void)
{
    if (HMAP_LIKELY(!__atomic_load_n(&alloc_armed, __ATOMIC_RELAXED)))
        return false;
    long n = __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED);
    long at = __atomic_load_n(&alloc_fail_at, __ATOMIC_RELAXED);
    return HMAP_UNLIKELY(at != 0 && n == at);
}

/* The program's allocator, if it set one before the first allocation;
 * fixed from then on (allocator_fixed), so that every block is freed by
 * the allocator that made it. */
static hmap_allocator user_allocator;
static bool have_user_allocator;
static bool allocator_fixed; /* relaxed atomic: set by the first allocation */

int hmap_set_allocator(const hmap_allocator *a)
{
    if (a && (!a->alloc || !a->free))
        return EINVAL;
    if (__atomic_load_n(&allocator_fixed, __ATOMIC_RELAXED))
        return EBUSY;
    if (a)
        user_allocator = *a;
    have_user_allocator = a != NULL;
    return 0;
}

HMAP_INLINE void fix_allocator(void)
{
    if (HMAP_UNLIKELY(!__atomic_load_n(&allocator_fixed, __ATOMIC_RELAXED)))
        __atomic_store_n(&allocator_fixed, true, __ATOMIC_RELAXED);
}

#define HMAP__STR(x) #x
#define HMAP__XSTR(x) HMAP__STR(x)

const char *hmap_version(void)
{
    return HMAP__XSTR(HMAP_VERSION_MAJOR) "." HMAP__XSTR(HMAP_VERSION_MINOR) "." HMAP__XSTR(
        HMAP_VERSION_PATCH);
}

void *hmap__alloc(size_t bytes)
{
    fix_allocator();
    if (injected_failure()) {
        errno = ENOMEM;
        return NULL;
    }
    if (have_user_allocator) {
        void *p = user_allocator.alloc(bytes, _Alignof(max_align_t), user_allocator.ctx);
        if (!p)
            errno = ENOMEM;
        return p;
    }
    return malloc(bytes);
}

/* Large tables (of big values, or of a hash that does not spread keys)
 * come straight from mmap: the kernel hands out zeroed pages without
 * touching them, so allocating one costs nothing in proportion to its
 * size (the first write to each page pays instead).  malloc would do the
 * same only while glibc's mmap threshold lets it; once that threshold has
 * grown, it takes the memory from the heap. */
#define MMAP_MIN ((size_t)256 << 10)

/* Mappings of HMAP_HUGE_PAGE or more (large tables) start on a multiple
 * of it: a huge page can only map an aligned 2 MB range lying wholly
 * inside one mapping, so where the system's THP policy is "always" the
 * kernel can back the whole table with them, and a lookup's TLB miss is
 * one level shorter.  They are not advised to (MADV_HUGEPAGE), although where THP is
 * "madvise" (the default) that would make inserts faster: each fault in
 * advised memory zeroes 2 MB at once, and may first reclaim and compact
 * memory (THP "defrag" is "madvise" by default), so the insert that enters
 * a new huge page stalls for milliseconds, or for far longer when memory
 * is fragmented.  Go's runtime tried the advice on its heap and took it
 * back for those stalls (golang/go#61718); a map that bounds the work of
 * every insert cannot have them either.  (The checked build's guarded
 * tables do ask: instrument/quarantine.c.)  Elsewhere than x86-64 the alignment may
 * not match the huge page size, and costs nothing. */
#define MAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS)

/* `len` bytes (whole pages) at a HMAP_HUGE_PAGE boundary; MAP_FAILED if that
 * cannot be had. */
static void *map_aligned_for_huge_pages(size_t len, int prot)
{
    if (len > SIZE_MAX - HMAP_HUGE_PAGE)
        return MAP_FAILED;
    /* map one huge page more, then trim to the aligned part */
    char *raw = mmap(NULL, len + HMAP_HUGE_PAGE, prot, MAP_FLAGS, -1, 0);
    if (raw == MAP_FAILED)
        return MAP_FAILED;
    char *p = (char *)(((uintptr_t)raw + HMAP_HUGE_PAGE - 1) & ~(uintptr_t)(HMAP_HUGE_PAGE - 1));
    size_t head = (size_t)(p - raw), tail = HMAP_HUGE_PAGE - head;
    /* A trim splits a mapping, which fails at vm.max_map_count: then give
     * back what is still ours rather than keep a stray piece mapped. */
    if (head && munmap(raw, head) != 0) {
        munmap(raw, len + HMAP_HUGE_PAGE);
        return MAP_FAILED;
    }
    if (munmap(p + len, tail) != 0) {
        munmap(p, len + tail);
        return MAP_FAILED;
    }
    return p;
}

/* An anonymous mapping of `bytes` with protection `prot`, NULL if there is
 * no room; large ones are aligned for huge pages. */
void *hmap__map(size_t bytes, int prot)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (bytes + page - 1) & ~(page - 1);
    void *p = len >= HMAP_HUGE_PAGE ? map_aligned_for_huge_pages(len, prot) : MAP_FAILED;
    if (p == MAP_FAILED)
        p = mmap(NULL, len, prot, MAP_FLAGS, -1, 0); /* small, or short of room */
    return p == MAP_FAILED ? NULL : p;
}

static bool use_mmap(size_t bytes, size_t align)
{
    return bytes >= MMAP_MIN && align <= (size_t)sysconf(_SC_PAGESIZE);
}

/* An allocation whose failure the caller shrugs off (memory prepared
 * ahead): the tests' failure injection neither counts nor fails it, since
 * no outcome of the caller depends on it. */
static void *alloc_aligned(size_t bytes, size_t align, bool optional)
{
    fix_allocator();
    if (!optional && injected_failure()) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = NULL;
    if (use_mmap(bytes, align))
        p = hmap__map(bytes, PROT_READ | PROT_WRITE);
    else if (have_user_allocator)
        p = user_allocator.alloc(bytes, align, user_allocator.ctx);
    else if (align <= _Alignof(max_align_t))
        p = malloc(bytes);
    else if (posix_memalign(&p, align, bytes) != 0)
        p = NULL;
    if (!p)
        errno = ENOMEM;
    return p;
}

void *hmap__alloc_aligned(size_t bytes, size_t align)
{
    return alloc_aligned(bytes, align, false);
}

void *hmap__alloc_ahead(size_t bytes, size_t align)
{
    return alloc_aligned(bytes, align, true);
}

void hmap__free_aligned(void *p, size_t bytes, size_t align)
{
    if (use_mmap(bytes, align))
        munmap(p, bytes);
    else if (have_user_allocator)
        user_allocator.free(p, bytes, align, user_allocator.ctx);
    else
        free(p);
}

void hmap__free(void *p, size_t bytes)
{
    if (have_user_allocator && p)
        user_allocator.free(p, bytes, _Alignof(max_align_t), user_allocator.ctx);
    else
        free(p);
}

static uint64_t fresh_entropy(void)
{
    uint64_t v;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
        return v;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&v;
}

uint64_t hmap__random64(void)
{
    static HMAP_TLS uint64_t state;
    static HMAP_TLS bool seeded;
    if (HMAP_UNLIKELY(!seeded)) {
        state = fresh_entropy();
        seeded = true;
    }
    return hmap__splitmix64(&state);
}
