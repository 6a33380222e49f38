/*
 * grow.h - what the map's operations (hmap.c) use of its growth (grow.c):
 * the first table, replacing a full table (rebuilt larger or the same
 * size, or split in two), reserving room, relocating every table.
 */
#ifndef HMAP_GROW_H
#define HMAP_GROW_H

#include "table.h"

#pragma GCC visibility push(hidden)

/* Gives an empty map its first table, of room for at least `hint`
 * entries (at most one table's worth: larger hints go through
 * hmap__reserve_tables). */
int hmap__first_table(struct hmap *m, size_t hint);
/* Makes room in the full table that holds `hash`, for the insertion of a
 * key of that hash: the table is rebuilt or split, and kept in
 * m->replaced until the write ends.  One copy per key kind. */
int hmap__grow_u64(struct hmap *m, uint64_t hash);
int hmap__grow_u32(struct hmap *m, uint64_t hash);
int hmap__grow_cstr(struct hmap *m, uint64_t hash);
int hmap__grow_generic(struct hmap *m, uint64_t hash);
/* Room for n entries in all (hmap_reserve, hmap_new's hint): 0, ENOMEM
 * with the entries as they were, or EINVAL for an n no memory holds. */
int hmap__reserve_tables(struct hmap *m, size_t n);
/* Frees the memory prepared ahead of the next growth. */
void hmap__release_ahead(struct hmap *m);
/* Whether some memory could hold n entries (hmap_new's hint check). */
bool hmap__could_hold(const struct hmap *m, size_t n);

HMAP_INLINE int grow_of_kind(struct hmap *m, enum key_kind kind, uint64_t hash)
{
    BY_KIND(kind, hmap__grow, m, hash);
}

#pragma GCC visibility pop

#endif /* HMAP_GROW_H */
