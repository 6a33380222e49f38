/*
 * iter.c - iteration in random order.
 *
 * An iteration walks the directory from a random entry, visiting each
 * table once (at the first of the entries it fills, wrapping around), and
 * each table's groups from a random group, as Go walks its tables.  No
 * growth is ever left in progress and no growth happens during an
 * iteration (the only write allowed then is hmap_iter_del, which empties
 * a slot in place), so the walk sees a structure that does not move.
 *
 * Arriving at a run of consecutive groups (as many as a machine word holds
 * 16 bits for: 4 on 64-bit targets), the iterator takes down which of
 * their slots are live, as a bit mask, 16 bits a group, each rotated by
 * the same random amount, so that each group is walked from a random slot
 * (as Go's classic map walks a bucket from a random offset); the steps within the run
 * are then the inline hmap__iter_next_inline of hmap.h, with no call and
 * no read of the control bytes.  This file does the rest: starting, gathering the
 * runs, and deleting the current entry.
 */
#include "table.h"

/* What an iteration begun unchecked gives the checked inline step to
 * compare (hmap.h): a count no iteration expects, so that every step of
 * it goes through the checked entry point. */
static const uint64_t unchecked_modcount = UINT64_MAX;

void hmap_iter_init(hmap_iter *it, hmap *m)
{
    struct iter_state *s = hmap__iter_state(it);
    memset(it, 0, sizeof *it);
    s->modcount_word = &unchecked_modcount;
    s->m = m;
    s->origin = m;
    if (!m || m->count == 0 || !m->dir) {
        s->m = NULL;
        return;
    }
    uint64_t r = hmap__random64();
    s->dir_start = (size_t)r & (((size_t)1 << m->depth) - 1);
    s->group_start = (uint32_t)(r >> 32);
    s->offset = (uintptr_t)(r >> 16) & 15;
    s->group_stride = (uintptr_t)GROUP_SLOTS * m->layout.entry_size;
    s->stride = m->layout.entry_size;
    s->to_val = m->type.val_size ? (uintptr_t)m->layout.val_off : HMAP__NO_VAL;
}

/* The walk is sequential but slow, an entry per step with the caller's
 * work in between: the hardware prefetcher may lose it.  Fetching the
 * next run's control bytes and slots while this one is walked keeps it
 * streaming. */
static void prefetch_run(const struct hmap *m, const struct hmap_table *t, size_t g)
{
    enum { MAX_AHEAD = 8192 }; /* huge entries: the caller may not read them whole */
    __builtin_prefetch(table_ctrl(t) + g * GROUP_BYTES);
    const char *p = slot_at(m, t, g * GROUP_SLOTS);
    size_t span = ITER_RUN * GROUP_SLOTS * (size_t)m->layout.entry_size;
    const char *end = p + (span < MAX_AHEAD ? span : MAX_AHEAD);
    for (; p < end; p += 64)
        __builtin_prefetch(p);
}

/* Makes the next groups of the current table a run: up to ITER_RUN of
 * them, not past the table's last group nor the end of its walk.  False
 * if the run has no live slot. */
static bool walk_run(struct iter_state *s)
{
    const struct hmap_table *t = s->table;
    size_t groups = t->groups;
    size_t g = (s->group_start + s->groups_done) & (groups - 1);
    size_t n = groups - s->groups_done;
    if (n > groups - g)
        n = groups - g;
    if (n > ITER_RUN)
        n = ITER_RUN;
    const uint8_t *ctrl = table_ctrl(t) + g * GROUP_BYTES;
    unsigned off = (unsigned)s->offset;
    uintptr_t pending = 0;
    for (size_t k = 0; k < n; k++) {
        /* rotated right by offset: bit j for slot (j + offset) % 16 */
        unsigned live = group_live(ctrl + k * GROUP_BYTES);
        live = ((live >> off) | (live << (16 - off))) & 0xffffu;
        pending |= (uintptr_t)live << (16 * k);
    }
    s->groups_done += (uint32_t)n;
    prefetch_run(s->m, t, (g + n) & (groups - 1));
    s->pending = pending;
    s->keys = slot_at(s->m, t, g * GROUP_SLOTS);
    return pending != 0;
}

/* Moves to the next table: the one that fills the next directory entry,
 * unless the walk passed its first entry already (then it comes up again
 * at the end, wrapping around).  False at the end. */
static bool next_table(struct iter_state *s)
{
    const struct hmap *m = s->m;
    size_t len = (size_t)1 << m->depth; /* no write changes it during an iteration */
    while (s->dir_steps < len) {
        size_t i = (s->dir_start + s->dir_steps) & (len - 1);
        struct hmap_table *t = dir_table(m, i);
        size_t span = dir_span(m, t), into = i & (span - 1);
        s->dir_steps += span - into;
        if (into == 0) {
            s->table = t;
            s->groups_done = 0;
            return true;
        }
    }
    return false;
}

/* Moves to the next run that has live slots.  False at the end. */
static bool next_run(struct iter_state *s)
{
    for (;;) {
        if (s->table && s->groups_done < s->table->groups) {
            if (walk_run(s))
                return true;
            continue;
        }
        if (!next_table(s)) {
            s->m = NULL;
            return false;
        }
    }
}

/* The out-of-line step: what the inline one in hmap.h does, after moving
 * to the next run when the current one is used up.  (The parentheses
 * keep hmap.h's macro of the same name from applying.) */
bool (hmap_iter_next)(hmap_iter *it)
{
    struct iter_state *s = hmap__iter_state(it);
    it->key = NULL;
    it->val = NULL;
    if (!s->m)
        return false;
    if (!s->pending && !next_run(s))
        return false;
    return hmap__iter_next_inline(it);
}

void hmap_iter_del(hmap_iter *it)
{
    struct iter_state *s = hmap__iter_state(it);
    if (!s->m || !it->key)
        return;
    size_t slot = (size_t)((const char *)it->key - s->table->slots) / s->stride;
    hmap__delete_slot(s->m, s->table, slot + slot / GROUP_SLOTS);
    it->key = NULL;
    it->val = NULL;
}
