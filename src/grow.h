/*
 * grow.h - what the map's operations (hmap.c) use of its bucket arrays and
 * their growth (grow.c): allocating, retiring and giving back arrays,
 * overflow buckets, starting a growth and doing a write's share of it,
 * and the small copies both sides make.
 */
#ifndef HMAP_GROW_H
#define HMAP_GROW_H

#include "hmap_internal.h"

#pragma GCC visibility push(hidden)

/* An array of 2^B buckets, and its size in bytes (0: too large to
 * describe); NULL with errno ENOMEM when memory runs out. */
size_t hmap__array_bytes(const struct hmap *m, unsigned B, bool reservation);
struct hmap_array *hmap__array_new(struct hmap *m, unsigned B);
/* Hands a's memory back: to the hooks that own it, to the retiring queue
 * of large arrays, or to the allocator. */
void hmap__array_retire(struct hmap *m, struct hmap_array *a);
void hmap__finish_retiring(struct hmap *m);
void hmap__retire_evacuated(struct hmap *m);
/* n more overflow buckets for the chains of a (false: out of memory), and
 * one of them. */
bool hmap__reserve_overflow(struct hmap *m, struct hmap_array *a, size_t n);
char *hmap__take_overflow(struct hmap *m, struct hmap_array *a);
/* A growth: doubling (or same-size, to compact overflow chains), and the
 * rest of one in progress at once. */
int hmap__start_growth(struct hmap *m, bool same_size);
int hmap__finish_growth_now(struct hmap *m);
/* A write's share of the growth in progress, one copy per key kind. */
int hmap__grow_work_u64(struct hmap *m, const void *write_key);
int hmap__grow_work_u32(struct hmap *m, const void *write_key);
int hmap__grow_work_cstr(struct hmap *m, const void *write_key);
int hmap__grow_work_generic(struct hmap *m, const void *write_key);
/* What a write gives back when it ends (end_of_write). */
void hmap__give_back(struct hmap *m);

HMAP_INLINE size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* memcpy/memset with a size known only at run time compile to calls; the
 * sizes of common keys and entries get inline copies instead. */
HMAP_INLINE void copy_small(void *dst, const void *src, size_t n)
{
    switch (n) {
    case 0: break; /* a set's hmap_set: val may be NULL */
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    case 24: memcpy(dst, src, 24); break;
    case 32: memcpy(dst, src, 32); break;
    default: memcpy(dst, src, n); break;
    }
}

HMAP_INLINE void fill_small(void *dst, int byte, size_t n)
{
    switch (n) {
    case 0: break;
    case 4: memset(dst, byte, 4); break;
    case 8: memset(dst, byte, 8); break;
    case 16: memset(dst, byte, 16); break;
    default: memset(dst, byte, n); break;
    }
}

HMAP_INLINE void zero_small(void *dst, size_t n)
{
    fill_small(dst, 0, n);
}

/* Most writes have nothing to give back (all but those during a growth and
 * a few after it), and pay only for the test. */
HMAP_INLINE void end_of_write(struct hmap *m)
{
    if (HMAP_UNLIKELY(m->old || m->retiring || m->evacuated[0]))
        hmap__give_back(m);
}

HMAP_INLINE bool over_load_factor(size_t count, unsigned B)
{
    return count > BUCKET_SLOTS && count > LOAD_NUM * (((size_t)1 << B) / LOAD_DEN);
}

/* As many overflow buckets as regular ones: the chains are long because
 * deletions left them sparse, and a same-size growth would compact them.
 * (Go's test reads 2^min(B, 15) only because its counter is 16 bits; above
 * B = 15 it counts one overflow bucket in 2^(B-15), so its threshold is
 * 2^B too.  An exact count held to 2^15 fired at B = 18 on inserts alone,
 * for a map that was simply near its load factor, and rewrote 1.5M entries
 * for nothing just before the doubling.) */
HMAP_INLINE bool too_many_overflow(size_t noverflow, unsigned B)
{
    return noverflow >= ((size_t)1 << B);
}

HMAP_INLINE unsigned buckets_for_hint(size_t hint)
{
    unsigned B = 0;
    while (B <= MAX_B && over_load_factor(hint, B))
        B++;
    return B;
}

HMAP_INLINE int grow_work_of_kind(struct hmap *m, enum key_kind kind, const void *write_key)
{
    switch (kind) {
    case KIND_U64:
        return hmap__grow_work_u64(m, write_key);
    case KIND_U32:
        return hmap__grow_work_u32(m, write_key);
    case KIND_CSTR:
        return hmap__grow_work_cstr(m, write_key);
    case KIND_GENERIC:
        break;
    }
    return hmap__grow_work_generic(m, write_key);
}

#pragma GCC visibility pop

#endif /* HMAP_GROW_H */
