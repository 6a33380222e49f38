/*
 * alloc.c - where the core gets memory and randomness.
 *
 * Every allocation the core makes goes through hmap__alloc or
 * hmap__alloc_zeroed_aligned, so that the tests can fail the N-th one
 * (hmap_testing.h) and prove that running out of memory never loses an
 * entry.  Randomness (map seeds, iteration start points) comes from a
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

static long alloc_count;      /* attempts so far (relaxed atomic) */
static long alloc_fail_at;    /* the attempt number that fails; 0: none */

void hmap_testing_fail_nth_alloc(long n)
{
    long now = __atomic_load_n(&alloc_count, __ATOMIC_RELAXED);
    __atomic_store_n(&alloc_fail_at, n > 0 ? now + n : 0, __ATOMIC_RELAXED);
}

long hmap_testing_alloc_count(void)
{
    return __atomic_load_n(&alloc_count, __ATOMIC_RELAXED);
}

static bool injected_failure(void)
{
    long n = __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED);
    long at = __atomic_load_n(&alloc_fail_at, __ATOMIC_RELAXED);
    return HMAP_UNLIKELY(at != 0 && n == at);
}

void *hmap__alloc(size_t bytes)
{
    if (injected_failure()) {
        errno = ENOMEM;
        return NULL;
    }
    return malloc(bytes);
}

/* Large arrays come straight from mmap: the kernel hands out zeroed pages
 * without touching them, so allocating a huge array costs nothing in
 * proportion to its size (the first write to each page pays instead), and
 * the start of a growth stays cheap.  calloc would do the same only while
 * glibc's mmap threshold lets it; once that threshold has grown, calloc
 * takes the memory from the heap and clears it all at once, milliseconds
 * for a large array inside a single insert. */
#define MMAP_MIN ((size_t)256 << 10)

static bool use_mmap(size_t bytes, size_t align)
{
    return bytes >= MMAP_MIN && align <= (size_t)sysconf(_SC_PAGESIZE);
}

void *hmap__alloc_zeroed_aligned(size_t bytes, size_t align)
{
    if (injected_failure()) {
        errno = ENOMEM;
        return NULL;
    }
    if (use_mmap(bytes, align)) {
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            errno = ENOMEM;
            return NULL;
        }
        return p;
    }
    if (align <= _Alignof(max_align_t))
        return calloc(1, bytes);
    void *p = NULL;
    if (posix_memalign(&p, align, bytes) != 0) {
        errno = ENOMEM;
        return NULL;
    }
    return memset(p, 0, bytes);
}

void hmap__free_zeroed_aligned(void *p, size_t bytes, size_t align)
{
    if (use_mmap(bytes, align))
        munmap(p, bytes);
    else
        free(p);
}

void hmap__free(void *p)
{
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

/* Unmaps the whole pages inside [p, p + bytes), part of an allocation of
 * hmap__alloc_zeroed_aligned(alloc_bytes, align) that is being freed piece
 * by piece; hmap__free_zeroed_aligned then frees what is left.  False (and
 * nothing done) if the allocation did not come from mmap. */
bool hmap__unmap_pages(size_t alloc_bytes, size_t align, void *p, size_t bytes)
{
    if (!use_mmap(alloc_bytes, align))
        return false;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(page - 1);
    if (hi > lo)
        (void)munmap((void *)lo, hi - lo);
    return true;
}

/* Gives the whole pages inside [p, p + bytes) back to the kernel while the
 * allocation stays ours; they read as zeros if touched again.  Used on the
 * evacuated part of a checked map's old array, whose mapping belongs to the
 * quarantine (a plain map's is unmapped instead, hmap__unmap_pages). */
void hmap__release_pages(void *p, size_t bytes)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(page - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}
