/*
 * verify.c - hmap_verify: a full check of the invariants listed in
 * hmap_internal.h.  It reads every table and rehashes every key, so it
 * costs as much as an iteration plus a lookup of every entry; it is meant
 * for tests and debugging, not for production paths.
 */
#include "lookup.h"
#include "table.h"

#include <stdarg.h>
#include <stdio.h>

static bool fail(const struct hmap *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hmap_verify: map %p: ", (const void *)m);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return false;
}

/* The checks of one table t, found at directory entry `first`, the first
 * of those it fills. */
static bool check_table(const struct hmap *m, const struct hmap_table *t, size_t first,
                        hmap__misplaced_fn *misplaced, size_t *live)
{
    if (t->magic != HMAP_TABLE_MAGIC)
        return fail(m, "table at directory entry %zu has bad magic %#llx", first,
                    (unsigned long long)t->magic);
    if (t->owner != m)
        return fail(m, "table at directory entry %zu belongs to map %p", first,
                    (const void *)t->owner);
    if (t->generation == 0 || t->generation > m->generation)
        return fail(m, "table of generation %llu, the map is at %llu",
                    (unsigned long long)t->generation, (unsigned long long)m->generation);
    if (t->groups == 0 || (t->groups & (t->groups - 1)) != 0)
        return fail(m, "table with %u groups", (unsigned)t->groups);
    size_t slots = (size_t)t->groups * GROUP_SLOTS;
    if (t->bytes != hmap__table_bytes(m, t->groups) || (char *)t->block > (char *)t ||
        t->slots != (char *)table_ctrl(t) + (size_t)t->groups * GROUP_BYTES ||
        t->slots + slots * m->layout.entry_size != (char *)t->block + t->bytes)
        return fail(m, "table at directory entry %zu is not laid out as its size says", first);
    if ((size_t)t->used + t->growth_left > max_load(t->groups))
        return fail(m, "table holds %u entries with room for %u more, above its load %zu",
                    (unsigned)t->used, (unsigned)t->growth_left, max_load(t->groups));
    const uint8_t *ctrl = table_ctrl(t);
    size_t n = 0;
    for (size_t g = 0; g < t->groups; g++) {
        const uint8_t *c = ctrl + g * GROUP_BYTES;
        for (slot_mask live_slots = group_live(c); live_slots; live_slots &= live_slots - 1) {
            unsigned i = first_slot(live_slots);
            const char *key = slot_at(m, t, g * GROUP_SLOTS + i);
            uint64_t h = hmap__key_hash(m, key);
            bool placed = c[i] == tag_of(h) && table_of(m, h) == t;
            /* every group its probe passed on the way has its overflow bit */
            size_t pg = first_group(h, t->groups);
            for (size_t step = 1; placed && pg != g; step++) {
                if (step > t->groups || !(group_overflow(ctrl + pg * GROUP_BYTES) &
                                          overflow_bit(h)))
                    placed = false;
                pg = next_group(pg, step, t->groups);
            }
            if (!placed) {
                if (misplaced)
                    misplaced(m, key);
                return fail(m, "a key in group %zu of the table at directory entry %zu is not "
                            "where its hash puts it", g, first);
            }
            /* the first equal key a lookup finds is this one (a key not
             * equal to itself, like NaN, is found nowhere) */
            const char *found =
                find_in_table(m, entry_of(m, h), h, key, (enum key_kind)m->kind, NULL);
            if (found && found != key)
                return fail(m, "a key in group %zu of the table at directory entry %zu is "
                            "stored twice", g, first);
            n++;
        }
    }
    if (n != t->used)
        return fail(m, "table at directory entry %zu counts %u entries but holds %zu", first,
                    (unsigned)t->used, n);
    *live += n;
    return true;
}

static bool spare_is_empty(const struct hmap *m, const struct hmap_table *t)
{
    if (t->magic != HMAP_TABLE_MAGIC || t->owner != m || t->groups != MAX_GROUPS ||
        t->used != 0 || t->growth_left != max_load(t->groups))
        return false;
    for (size_t c = 0; c < (size_t)t->groups * GROUP_BYTES; c++)
        if (table_ctrl(t)[c] != 0)
            return false;
    return true;
}

bool hmap_verify(const hmap *m)
{
    return hmap__verify_reporting(m, m ? hooks_misplaced_key(m) : NULL);
}

bool hmap__verify_reporting(const struct hmap *m, hmap__misplaced_fn *misplaced)
{
    if (!m)
        return true;
    if (m->magic != HMAP_MAGIC_LIVE)
        return fail(m, "bad magic %#llx (freed, or not a map)", (unsigned long long)m->magic);
    if (m->replaced)
        return fail(m, "a table replaced by a write was not retired when the write ended");
    if (!m->dir) {
        if (m->count || m->tables)
            return fail(m, "no table but %zu entries", m->count);
        return true;
    }
    if (m->dir_shift != 63 - m->depth || m->depth > MAX_DEPTH)
        return fail(m, "directory of depth %u with shift %u", m->depth, m->dir_shift);
    if (m->depth == 0 && m->dir != &m->dir0)
        return fail(m, "a directory of one entry outside the header");
    size_t n = (size_t)1 << m->depth, live = 0, tables = 0, slots = 0;
    for (size_t i = 0; i < n;) {
        if (!m->dir[i].ctrl)
            return fail(m, "directory entry %zu is empty", i);
        const struct hmap_table *t = dir_table(m, i);
        if (m->dir[i].mask + 1 != t->groups || t->slots != entry_slots(&m->dir[i]))
            return fail(m, "directory entry %zu does not describe its table", i);
        if (t->depth > m->depth)
            return fail(m, "table of depth %u in a directory of depth %u", t->depth, m->depth);
        size_t span = dir_span(m, t);
        if (i & (span - 1))
            return fail(m, "table of depth %u starts at directory entry %zu", t->depth, i);
        for (size_t j = 1; j < span; j++)
            if (m->dir[i + j].ctrl != m->dir[i].ctrl || m->dir[i + j].mask != m->dir[i].mask)
                return fail(m, "directory entry %zu should name the table of entry %zu", i + j, i);
        if (!check_table(m, t, i, misplaced, &live))
            return false;
        tables++;
        slots += (size_t)t->groups * GROUP_SLOTS;
        i += span;
    }
    if (m->spare && !spare_is_empty(m, m->spare))
        return fail(m, "the spare table is not an empty table of the map");
    if (live != m->count)
        return fail(m, "count is %zu but %zu slots are live", m->count, live);
    if (tables != m->tables || slots != m->slots)
        return fail(m, "the map counts %zu tables of %zu slots, the directory %zu of %zu",
                    m->tables, m->slots, tables, slots);
    return true;
}
