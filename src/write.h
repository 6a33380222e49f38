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
 * is zeroed. */
HMAP_INLINE void *fill_slot(struct hmap *m, struct hmap_table *t, size_t c, uint64_t h,
                            const void *key)
{
    char *slot = slot_at_ctrl(m, t, c);
    void *val = slot_val(m, slot);
    /* A map that poisons its deleted slots (for ASan) lifts the poison
     * first; elsewhere the fill pattern is simply overwritten. */
    if (HMAP_UNLIKELY(m->poisons_slots))
        m->hooks->slot_filling(m, slot, m->type.key_size, val, m->type.val_size);
    table_ctrl(t)[c] = tag_of(h);
    copy_small(slot, key, m->type.key_size);
    zero_small(val, m->type.val_size);
    t->used++;
    t->growth_left--;
    m->count++;
    return val;
}

HMAP_INLINE void *insert(struct hmap *m, const void *key, bool *inserted, enum key_kind kind)
{
    uint64_t h = key_hash(m, key, kind);
    if (HMAP_UNLIKELY(!m->dir) && hmap__first_table(m, 0) != 0)
        goto oom;
    for (;;) {
        const struct hmap_dir_entry *e = entry_of(m, h);
        size_t c;
        char *slot = find_in_table(m, e, h, key, kind, &c);
        if (slot) {
            if (inserted)
                *inserted = false;
            return slot_val(m, slot);
        }
        struct hmap_table *t = entry_table(e);
        if (HMAP_LIKELY(t->growth_left > 0)) {
            if (inserted)
                *inserted = true;
            if (HMAP_UNLIKELY(m->spare_ahead != NULL || m->dir_ahead != NULL))
                hmap__fault_ahead(m);
            return fill_slot(m, t, claim_free_slot(t, h), h, key);
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
 * the whole slot, padding too, whose size the layout holds ready. */
HMAP_INLINE void fill_deleted(struct hmap *m, char *slot, int fill)
{
    fill_small(slot, fill, m->layout.entry_size);
    if (HMAP_UNLIKELY(m->poisons_slots))
        m->hooks->slot_deleted(m, slot, m->type.key_size,
                               m->type.val_size ? slot_val(m, slot) : NULL, m->type.val_size);
}

/* Deletes the entry in `slot`, at control byte c of t.
 * Deleting needs no tombstone: a lookup that reaches the group stops there
 * only if no key of its hash was pushed past it (the overflow bits), which
 * stays true.  The slot counts as room again only where no probe passed
 * the group: elsewhere the overflow bits it leaves call for a rebuild. */
HMAP_INLINE void delete_at(struct hmap *m, struct hmap_table *t, size_t c, char *slot)
{
    uint8_t *ctrl = table_ctrl(t);
    ctrl[c] = TAG_EMPTY;
    t->used--;
    if (group_overflow(ctrl + (c & ~(size_t)(GROUP_BYTES - 1))) == 0)
        t->growth_left++;
    int fill = hooks_deleted_fill(m);
    if (fill >= 0)
        fill_deleted(m, slot, fill);
    if (--m->count == 0)
        hmap__reseed_empty(m);
}

HMAP_INLINE bool del_of_kind(struct hmap *m, const void *key, enum key_kind kind)
{
    uint64_t h = key_hash(m, key, kind);
    const struct hmap_dir_entry *e = entry_of(m, h);
    size_t c;
    char *slot = find_in_table(m, e, h, key, kind, &c);
    if (!slot)
        return false;
    delete_at(m, entry_table(e), c, slot);
    return true;
}

#pragma GCC visibility pop

#endif /* HMAP_WRITE_H */
