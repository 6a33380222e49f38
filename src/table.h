/*
 * table.h - what the map's operations (hmap.c) and its growth (grow.c)
 * use of tables (table.c): allocating and retiring them, placing an entry
 * in a free slot, deleting one, the directory entries a table fills, and
 * the small copies every side makes.
 *
 * A position in a table is given by its control byte's index `c` (16 a
 * group); its slot is c - c / 16 (15 a group), so neither direction of the
 * conversion the hot paths make needs a division.
 */
#ifndef HMAP_TABLE_H
#define HMAP_TABLE_H

#include "hmap_internal.h"

#pragma GCC visibility push(hidden)

/* The size of a table of `groups` groups, or 0 if it cannot exist. */
size_t hmap__table_bytes(const struct hmap *m, size_t groups);
/* An empty table of `groups` groups and local depth `depth`; NULL with
 * errno ENOMEM when memory runs out.  The map's generation is bumped. */
struct hmap_table *hmap__table_new(struct hmap *m, size_t groups, unsigned depth);
/* The same for a plain map's spare table, allocated ahead of need (out of
 * the tests' failure injection: its failure changes nothing); NULL when
 * memory runs out. */
struct hmap_table *hmap__table_ahead(struct hmap *m, size_t groups);
/* Hands t's memory back: to the hooks that own it, or to the allocator. */
void hmap__table_retire(struct hmap *m, struct hmap_table *t);
/* Retires the table an insertion's growth replaced (end_of_write), after
 * preparing what the next growth needs (grow.c). */
void hmap__retire_replaced(struct hmap *m);
/* Faults in the next page prepared ahead (grow.c, "faulting in ahead"). */
void hmap__fault_ahead(struct hmap *m);

HMAP_INLINE size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

HMAP_INLINE size_t slot_of_ctrl(size_t c)
{
    return c - (c >> 4);
}

HMAP_INLINE char *slot_at_ctrl(const struct hmap *m, const struct hmap_table *t, size_t c)
{
    return slot_at(m, t, slot_of_ctrl(c));
}

/* The control byte of the first free slot on hash's probe sequence in t,
 * whose full groups passed on the way get the hash's overflow bit.  t has
 * room (growth_left > 0), so there is one. */
HMAP_INLINE size_t claim_free_slot(struct hmap_table *t, uint64_t hash)
{
    uint8_t *ctrl = table_ctrl(t);
    size_t groups = t->groups, g = first_group(hash, groups);
    for (size_t step = 1;; step++) {
        uint8_t *c = ctrl + g * GROUP_BYTES;
        slot_mask free = group_empty(c);
        if (HMAP_LIKELY(free))
            return g * GROUP_BYTES + first_slot(free);
        c[GROUP_SLOTS] |= overflow_bit(hash);
        g = next_group(g, step, groups);
    }
}

/* The directory entry that names t. */
HMAP_INLINE struct hmap_dir_entry entry_for(const struct hmap_table *t)
{
    struct hmap_dir_entry e = { table_ctrl(t), (size_t)t->groups - 1 };
    return e;
}

/* The first of the 2^(depth - t->depth) directory entries that t fills,
 * given one of them. */
HMAP_INLINE size_t dir_first(const struct hmap *m, const struct hmap_table *t, size_t index)
{
    return index & ~(((size_t)1 << (m->depth - t->depth)) - 1);
}

HMAP_INLINE size_t dir_span(const struct hmap *m, const struct hmap_table *t)
{
    return (size_t)1 << (m->depth - t->depth);
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

/* The sizes copy_inline copies: a copy of them is never a call. */
HMAP_INLINE bool copies_inline(size_t n)
{
    return n == 0 || n == 4 || n == 8 || n == 16 || n == 24 || n == 32 || n == 48 || n == 64;
}

/* copy_small and zero_small for a size that copies_inline: never a call,
 * so a write's common cases call nothing (write.h). */
HMAP_INLINE void copy_inline(void *dst, const void *src, size_t n)
{
    if (HMAP_LIKELY(n == 8)) { /* the commonest size: a compare, not a jump table */
        memcpy(dst, src, 8);
        return;
    }
    switch (n) {
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    case 24: memcpy(dst, src, 24); break;
    case 32: memcpy(dst, src, 32); break;
    case 48: memcpy(dst, src, 48); break;
    case 64: memcpy(dst, src, 64); break;
    default: break; /* 0 */
    }
}

HMAP_INLINE void zero_inline(void *dst, size_t n)
{
    if (HMAP_LIKELY(n == 8)) {
        memset(dst, 0, 8);
        return;
    }
    switch (n) {
    case 4: memset(dst, 0, 4); break;
    case 8: memset(dst, 0, 8); break;
    case 16: memset(dst, 0, 16); break;
    case 24: memset(dst, 0, 24); break;
    case 32: memset(dst, 0, 32); break;
    case 48: memset(dst, 0, 48); break;
    case 64: memset(dst, 0, 64); break;
    default: break; /* 0 */
    }
}

/* Sets m->small_slots: whether its keys and values copy inline and its
 * slots carry no poison to lift, so that filling a slot calls nothing.
 * Set again whenever poisons_slots changes. */
HMAP_INLINE void note_small_slots(struct hmap *m)
{
    m->small_slots = copies_inline(m->type.key_size) && copies_inline(m->type.val_size) &&
                     !m->poisons_slots;
}

/* Most writes have nothing to retire, and pay only for the test.  (The
 * insertions that fault pages in ahead call hmap__fault_ahead.) */
HMAP_INLINE void end_of_write(struct hmap *m)
{
    if (HMAP_UNLIKELY(m->replaced != NULL))
        hmap__retire_replaced(m);
}

#pragma GCC visibility pop

#endif /* HMAP_TABLE_H */
