/*
 * table.c - a map's tables as blocks of memory: their size, allocation
 * (from the hooks of a checked map, else from the allocator) and
 * retirement.  The layout of a table and the invariants it keeps are
 * described at the top of hmap_internal.h; placing entries in it is
 * inline in table.h, and replacing it as the map grows is grow.c's.
 */
#include "table.h"

#include <errno.h>
#include <stdint.h>

/* A block is laid out [padding][header][control bytes][slots]: the
 * slots aligned as the map's layout asks, the control bytes right before
 * them (so that a directory entry finds both from one address) and the
 * header right before those.  The padding is there only for slots
 * aligned beyond 16 bytes. */
static size_t slots_offset(const struct hmap *m, size_t groups)
{
    return align_up(TABLE_HEADER_BYTES + groups * GROUP_BYTES, m->layout.table_align);
}

size_t hmap__table_bytes(const struct hmap *m, size_t groups)
{
    if (groups == 0 || groups > (SIZE_MAX >> 1) / GROUP_BYTES / m->layout.entry_size)
        return 0;
    size_t slots = groups * GROUP_SLOTS;
    size_t head = slots_offset(m, groups);
    if (slots > ((size_t)PTRDIFF_MAX - head) / m->layout.entry_size)
        return 0;
    return head + slots * m->layout.entry_size;
}

/* Sets up an empty table of `groups` groups in block, a new allocation
 * of hmap__table_bytes(m, groups). */
static struct hmap_table *table_init(struct hmap *m, char *block, size_t groups, unsigned depth)
{
    size_t slots_off = slots_offset(m, groups);
    /* the header and the control bytes; slots are written before read */
    memset(block, 0, slots_off);
    char *header = block + slots_off - groups * GROUP_BYTES - TABLE_HEADER_BYTES;
    struct hmap_table *t = (struct hmap_table *)(void *)header;
    t->magic = HMAP_TABLE_MAGIC;
    t->generation = ++m->generation;
    t->owner = m;
    t->block = block;
    t->bytes = hmap__table_bytes(m, groups);
    t->slots = block + slots_off;
    t->groups = (uint32_t)groups;
    t->used = 0;
    t->growth_left = (uint32_t)max_load(groups);
    t->depth = (uint8_t)depth;
    t->no_split = 0;
    return t;
}

struct hmap_table *hmap__table_new(struct hmap *m, size_t groups, unsigned depth)
{
    size_t bytes = hmap__table_bytes(m, groups);
    if (bytes == 0 || groups > UINT32_MAX / GROUP_BYTES) {
        errno = ENOMEM;
        return NULL;
    }
    char *block = hooks_own_tables(m)
                      ? m->hooks->table_alloc(m, bytes, m->layout.table_align)
                      : hmap__alloc_aligned(bytes, m->layout.table_align);
    if (!block) {
        errno = ENOMEM;
        return NULL;
    }
    return table_init(m, block, groups, depth);
}

struct hmap_table *hmap__table_ahead(struct hmap *m, size_t groups)
{
    size_t bytes = hmap__table_bytes(m, groups);
    if (bytes == 0 || groups > UINT32_MAX / GROUP_BYTES)
        return NULL;
    char *block = hmap__alloc_ahead(bytes, m->layout.table_align);
    return block ? table_init(m, block, groups, 0) : NULL;
}

void hmap__table_retire(struct hmap *m, struct hmap_table *t)
{
    if (!t)
        return;
    if (hooks_own_tables(m))
        m->hooks->table_retire(m, t);
    else
        hmap__free_aligned(t->block, t->bytes, m->layout.table_align);
}
