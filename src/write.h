/*
 * write.h - the write paths, inline: taking a free slot for a new key,
 * inserting (growing the key's table when it is full), deleting.  The
 * core (hmap.c) instantiates them once per key kind; the checked runtime
 * (instrument/checked.c) instantiates them inside its own entry points,
 * as it does the read path of lookup.h, so that a checked write is one
 * function with its checks around the core's work.
 */
#ifndef HMAP_WRITE_H
#define HMAP_WRITE_H

#include "grow.h"
#include "lookup.h"

#include <errno.h>

#pragma GCC visibility push(hidden)

/* Gives an emptied map a fresh seed (hmap.c). */
void hmap__reseed_empty(struct hmap *m);

/* ---- insertion ------------------------------------------------------ */

/* Takes the free slot at control byte c of t for key (hash h): its value
 * is zeroed.  `small`: the map's small_slots holds, and the copies are
 * inline. */
HMAP_INLINE void *fill_slot(struct hmap *m, struct hmap_table *t, size_t c, uint64_t h,
                            const void *key, bool small)
{
    char *slot = slot_at_ctrl(m, t, c);
    void *val = slot_val(m, slot);
    /* A map that poisons its deleted slots (for ASan) lifts the poison
     * first; elsewhere the fill pattern is simply overwritten. */
    if (!small && HMAP_UNLIKELY(m->poisons_slots))
        m->hooks->slot_filling(m, slot, m->type.key_size, val, m->type.val_size);
    table_ctrl(t)[c] = tag_of(h);
    if (small) {
        copy_inline(slot, key, m->type.key_size);
        zero_inline(val, m->type.val_size);
    } else {
        copy_small(slot, key, m->type.key_size);
        zero_small(val, m->type.val_size);
    }
    t->used++;
    t->growth_left--;
    m->count++;
    return val;
}

/* An insertion comes in three parts, each the common case of the next:
 *  - find_to_replace: the key in its first group, the whole of most
 *    replacements;
 *  - insert_at_hand: a new key whose table has room, in a map whose
 *    slots are small (small_slots), the whole of most insertions;
 *  - insert_growing: everything else (the probe past the first group,
 *    the map's first table, pages to fault in ahead, growth).
 * insert_common holds the first two.  A caller instantiates it in a
 * function that calls nothing (its value copies inline, copy_inline, when
 * the slots are small) and goes on with the third by a tail call, so that
 * the common cases carry neither the general case's instructions nor a
 * call's saved registers: the fewer instructions a write takes, the more
 * of a loop's writes wait on their cache misses together (as lookup's). */

/* The value slot of key (hash h) if it is in its first group; else NULL,
 * with *further set when keys of the hash were pushed past that group. */
HMAP_INLINE void *find_to_replace(const struct hmap *m, const void *key, uint64_t h,
                                  enum key_kind kind, bool *further)
{
    if (HMAP_UNLIKELY(m->dir == NULL))
        return NULL;
    char *slot = find_in_first_group(m, entry_of(m, h), h, key, kind, NULL, further);
    return slot ? slot_val(m, slot) : NULL;
}

/* The new entry of key (hash h), which find_to_replace did not find and
 * found no further probe for, when the map's slots are small, its table
 * has room and nothing waits to be faulted in ahead: its value slot,
 * zeroed.  Else NULL, for insert_growing. */
HMAP_INLINE void *insert_at_hand(struct hmap *m, const void *key, uint64_t h)
{
    if (HMAP_UNLIKELY(!m->small_slots || !m->dir || m->spare_ahead || m->dir_ahead))
        return NULL;
    struct hmap_table *t = entry_table(entry_of(m, h));
    if (HMAP_UNLIKELY(t->growth_left == 0))
        return NULL;
    return fill_slot(m, t, claim_free_slot(t, h), h, key, true);
}

/* find_to_replace, then insert_at_hand if the key is not further: an
 * insertion's common cases, in a function that calls nothing.  The value
 * slot, *inserted (if not NULL) saying whether the key is new; else NULL,
 * and the caller goes on with insert_growing, *further its argument. */
HMAP_INLINE void *insert_common(struct hmap *m, const void *key, uint64_t h, enum key_kind kind,
                                bool *inserted, bool *further)
{
    void *val = find_to_replace(m, key, h, kind, further);
    if (val) {
        if (inserted)
            *inserted = false;
        return val;
    }
    if (*further || (val = insert_at_hand(m, key, h)) == NULL)
        return NULL;
    if (inserted)
        *inserted = true;
    return val;
}

/* The rest of an insertion, in general: the probe past the first group
 * if `further`, then the new entry (its value zeroed), in a table grown
 * first if it is full.  The value slot, or NULL with errno ENOMEM when a
 * new key finds no memory; *inserted (if not NULL) says whether the key
 * is new. */
HMAP_INLINE void *insert_growing(struct hmap *m, const void *key, uint64_t h, bool further,
                                 bool *inserted, enum key_kind kind)
{
    if (HMAP_UNLIKELY(!m->dir) && hmap__first_table(m, 0) != 0)
        goto oom;
    if (further) {
        char *slot = find_beyond(m, entry_of(m, h), h, key, kind, NULL);
        if (slot) {
            if (inserted)
                *inserted = false;
            return slot_val(m, slot);
        }
    }
    /* The key is absent, and growing does not change that. */
    for (;;) {
        struct hmap_table *t = entry_table(entry_of(m, h));
        if (HMAP_LIKELY(t->growth_left > 0)) {
            if (HMAP_UNLIKELY(m->spare_ahead != NULL || m->dir_ahead != NULL))
                hmap__fault_ahead(m);
            if (inserted)
                *inserted = true;
            return fill_slot(m, t, claim_free_slot(t, h), h, key, false);
        }
        if (grow_of_kind(m, kind, h) != 0)
            goto oom;
    }
oom:
    errno = ENOMEM;
    return NULL;
}

/* ---- deletion ------------------------------------------------------- */

/* Overwrites a deleted slot's key and value with the hooks' fill byte:
 * the whole slot, padding too, whose size the layout holds ready.  The
 * commonest entry, an 8-byte key and value, is tested for first: one
 * compare rather than fill_small's chain of them. */
HMAP_INLINE void fill_deleted(struct hmap *m, char *slot, int fill)
{
    if (HMAP_LIKELY(m->layout.entry_size == 16))
        memset(slot, fill, 16);
    else
        fill_small(slot, fill, m->layout.entry_size);
    if (HMAP_UNLIKELY(m->poisons_slots))
        m->hooks->slot_deleted(m, slot, m->type.key_size,
                               m->type.val_size ? slot_val(m, slot) : NULL, m->type.val_size);
}

/* Clears the slot at control byte c of t and takes it off the table's
 * counts (the map's count is the caller's).
 * Deleting needs no tombstone: a lookup that reaches the group stops there
 * only if no key of its hash was pushed past it (the overflow bits), which
 * stays true.  The slot counts as room again only where no probe passed
 * the group: elsewhere the overflow bits it leaves call for a rebuild. */
HMAP_INLINE void unlink_slot(struct hmap_table *t, size_t c)
{
    uint8_t *ctrl = table_ctrl(t);
    ctrl[c] = TAG_EMPTY;
    t->used--;
    /* without a branch: whether a group overflowed is as good as random,
     * and known only once its control bytes arrive from memory */
    t->growth_left += group_overflow(ctrl + (c & ~(size_t)(GROUP_BYTES - 1))) == 0;
}

/* Deletes the entry in `slot`, at control byte c of t: unlinks it, and
 * fills it as the hooks ask. */
HMAP_INLINE void delete_at(struct hmap *m, struct hmap_table *t, size_t c, char *slot)
{
    unlink_slot(t, c);
    int fill = hooks_deleted_fill(m);
    if (fill >= 0)
        fill_deleted(m, slot, fill);
    if (--m->count == 0)
        hmap__reseed_empty(m);
}

/* hmap__reseed_empty, then true: a deletion's tail call. */
static __attribute__((noinline)) bool reseed_emptied(struct hmap *m)
{
    hmap__reseed_empty(m);
    return true;
}

/* The deletion past the key's first group, out of line; the directory
 * entry found again, as lookup.h's find_value_beyond does. */
static __attribute__((noinline)) bool del_beyond(struct hmap *m, uint64_t h, const void *key,
                                                 enum key_kind kind)
{
    const struct hmap_dir_entry *e = entry_of(m, h);
    size_t c;
    char *slot = find_beyond(m, e, h, key, kind, &c);
    if (!slot)
        return false;
    delete_at(m, entry_table(e), c, slot);
    return true;
}

/* What a deletion writes over the slot it frees, for del_of_kind: a byte
 * the caller knows (the checked build's poison: its stores then need no
 * load and no test), or one of these. */
enum {
    FILL_NOTHING = -1,   /* the map has no hooks: the common case calls nothing */
    FILL_AS_HOOKS_SAY = -2,
};

/* Deletes key; true if it was there; the slot filled as `fill` says (an
 * emptied map's new seed is a tail call). */
HMAP_INLINE bool del_of_kind(struct hmap *m, const void *key, enum key_kind kind, int fill)
{
    uint64_t h = key_hash(m, key, kind);
    const struct hmap_dir_entry *e = entry_of(m, h);
    size_t c;
    bool further = false;
    char *slot = find_in_first_group(m, e, h, key, kind, &c, &further);
    if (slot) {
        if (fill == FILL_AS_HOOKS_SAY) {
            delete_at(m, entry_table(e), c, slot);
            return true;
        }
        unlink_slot(entry_table(e), c);
        if (fill >= 0)
            fill_deleted(m, slot, fill);
        if (HMAP_UNLIKELY(--m->count == 0))
            return reseed_emptied(m);
        return true;
    }
    return HMAP_UNLIKELY(further) && del_beyond(m, h, key, kind);
}

#pragma GCC visibility pop

#endif /* HMAP_WRITE_H */
