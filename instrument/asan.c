/*
 * asan.c - AddressSanitizer, found at run time.
 *
 * Users install a plain, uninstrumented libhmap and compile their own
 * program with -fsanitize=address, so nothing here depends on how the
 * library was compiled: ASan's interface is declared weak and is there
 * exactly when the process runs under ASan.  Then:
 *  - deleted slots of checked maps carry ASan's poison (the core asks
 *    through the map's poisons_slots flag), so a stale pointer to a
 *    deleted entry is ASan's use-after-poison at once;
 *  - unguarded retired tables are freed into ASan's quarantine
 *    (guard.c), and ASan's report of a stale access is followed by
 *    hmap's, which names the map, its generation and the retiring call
 *    site: recent retirements are kept in a ring for that;
 *  - poison is lifted from memory that the quarantine unmaps or hands out
 *    again, so that it is not born poisoned.
 */
#include "asan.h"
#include "reports.h"

#include <string.h>

/* ASan's interface (weak: a plain program links without it). */
extern void __asan_set_error_report_callback(void (*callback)(const char *))
    __attribute__((weak));
extern void *__asan_get_report_address(void) __attribute__((weak));
extern int __asan_get_report_access_type(void) __attribute__((weak));
extern const char *__asan_get_report_description(void) __attribute__((weak));
extern void __asan_poison_memory_region(void const volatile *addr, size_t size)
    __attribute__((weak));
extern void __asan_unpoison_memory_region(void const volatile *addr, size_t size)
    __attribute__((weak));
extern void *__asan_region_is_poisoned(void *beg, size_t size) __attribute__((weak));

enum { ASAN_GRANULE = 8 }; /* bytes per ASan shadow byte on x86-64 */

bool hmap__asan_active;

/* ---- poison ------------------------------------------------------------ */

void hmap__asan_unpoison(void *p, size_t n)
{
    if (!hmap__asan_active)
        return;
    /* The check first avoids committing shadow pages for the (usual)
     * range that holds no poison; only the shadow is touched, so this
     * works on PROT_NONE memory. */
    char *first = __asan_region_is_poisoned(p, n);
    if (first) {
        char *from = (char *)((uintptr_t)first & ~(uintptr_t)(ASAN_GRANULE - 1));
        __asan_unpoison_memory_region(from, (size_t)((char *)p + n - from));
    }
}

/* The whole ASan granules inside [p, p + n).  A partial granule is left
 * alone: its other bytes may belong to a neighbour (the slot's key or
 * value, or a neighbouring slot's), and ASan's shadow cannot poison a
 * granule's first bytes while keeping its last ones addressable. */
static bool whole_granules(void *p, size_t n, char **lo, size_t *len)
{
    if (!p || !n)
        return false;
    uintptr_t g = ASAN_GRANULE;
    uintptr_t a = ((uintptr_t)p + g - 1) & ~(g - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(g - 1);
    if (b <= a)
        return false;
    *lo = (char *)a;
    *len = b - a;
    return true;
}

static void poison_bytes(void *p, size_t n)
{
    char *lo;
    size_t len;
    if (whole_granules(p, n, &lo, &len))
        __asan_poison_memory_region(lo, len);
}

/* Exactly the granules poison_bytes poisoned; the pattern stays until the
 * core overwrites the slot. */
static void unpoison_bytes(void *p, size_t n)
{
    char *lo;
    size_t len;
    if (whole_granules(p, n, &lo, &len))
        __asan_unpoison_memory_region(lo, len);
}

void hmap__poison_slot(void *key, size_t key_size, void *val, size_t val_size)
{
    poison_bytes(key, key_size);
    poison_bytes(val, val_size);
}

void hmap__unpoison_slot(void *key, size_t key_size, void *val, size_t val_size)
{
    unpoison_bytes(key, key_size);
    unpoison_bytes(val, val_size);
}

/* ---- retired tables in ASan's quarantine --------------------------------- */

/* Recent retirements into ASan's quarantine, for the report callback.
 * Written by every retiring thread, read only when ASan reports: a slot
 * may be torn by a concurrent retirement, which at worst leaves a report
 * without the hmap part. */
enum { ASAN_FREED = 16384 };

struct freed_to_asan {
    uintptr_t start, end;
    struct hmap_retirement who;
};

static struct freed_to_asan asan_freed[ASAN_FREED];
static size_t asan_next; /* relaxed atomic */

void hmap__asan_free_retired(void *p, size_t bytes, size_t align,
                             const struct hmap_retirement *who)
{
    size_t i = __atomic_fetch_add(&asan_next, 1, __ATOMIC_RELAXED) % ASAN_FREED;
    asan_freed[i] = (struct freed_to_asan){ (uintptr_t)p, (uintptr_t)p + bytes, *who };
    asan_freed[i].who.stack = NULL;
    hmap__free_aligned(p, bytes, align);
}

/* The newest retirement whose table held addr, or NULL. */
static const struct freed_to_asan *freed_holding(uintptr_t addr)
{
    size_t next = __atomic_load_n(&asan_next, __ATOMIC_RELAXED);
    size_t n = next < ASAN_FREED ? next : ASAN_FREED;
    for (size_t k = 1; k <= n; k++) {
        const struct freed_to_asan *f = &asan_freed[(next - k) % ASAN_FREED];
        if (addr >= f->start && addr < f->end)
            return f;
    }
    return NULL;
}

/* Called by ASan after it has printed a report, before it ends the
 * process: a use after free in a table an hmap write retired gets
 * hmap's report too (which ends the process). */
static void after_asan_report(const char *asan_report)
{
    (void)asan_report;
    const char *what = __asan_get_report_description();
    if (!what || strcmp(what, "heap-use-after-free") != 0)
        return;
    uintptr_t addr = (uintptr_t)__asan_get_report_address();
    const struct freed_to_asan *f = freed_holding(addr);
    if (f)
        hmap__report_asan_dangling(&f->who, (const void *)f->start, addr - f->start,
                                   __asan_get_report_access_type() != 0);
}

void hmap__asan_init(void)
{
    bool present = __asan_set_error_report_callback && __asan_get_report_address &&
                   __asan_get_report_access_type && __asan_get_report_description &&
                   __asan_poison_memory_region && __asan_unpoison_memory_region &&
                   __asan_region_is_poisoned;
    if (!present)
        return;
    __asan_set_error_report_callback(after_asan_report);
    __atomic_store_n(&hmap__asan_active, true, __ATOMIC_RELAXED);
}
