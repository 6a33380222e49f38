/*
 * grow.c - how a map grows: a full table is replaced, inside the insertion
 * that found it full, by a table of the same size (to clear the stale
 * overflow bits deletions left), one twice as large, or two that split
 * its keys by the next bit of their hash (doubling the directory first
 * when the table's depth is the directory's).  Nothing is left in
 * progress, so reads and deletions never pay for growth, and an insertion
 * moves the entries of one table (twice, when a split that sent every key
 * one way is followed by the rebuild of that side).  Also here: the map's first table,
 * reserving room for many entries, and relocation, which copies every
 * table to fresh memory for the checked build.  The data structure is
 * described at the top of hmap_internal.h.
 */
#include "grow.h"
#include "hash.h"
#include "lookup.h"

#include <errno.h>

/* ---- moving entries ------------------------------------------------- */

/* Places the entry at src (hash h) in t. */
HMAP_INLINE void place_entry(struct hmap *m, struct hmap_table *t, uint64_t h, const char *src)
{
    size_t c = claim_free_slot(t, h);
    table_ctrl(t)[c] = tag_of(h);
    copy_small(slot_at_ctrl(m, t, c), src, m->layout.entry_size);
    t->used++;
    t->growth_left--;
}

/* Hashing a string key reads the string, a cache miss of its own in a
 * large map: fetching a group's strings while the group before is moved
 * overlaps those misses. */
HMAP_INLINE void prefetch_strings(const struct hmap *m, const struct hmap_table *t, size_t g)
{
    for (slot_mask live = group_live(table_ctrl(t) + g * GROUP_BYTES); live; live &= live - 1) {
        const char *str;
        memcpy(&str, slot_at(m, t, g * GROUP_SLOTS + first_slot(live)), sizeof str);
        __builtin_prefetch(str);
    }
}

/* Moves every entry of `from` into `left`, or, when `right` is not NULL,
 * into left or right by the hash bit below from's depth.  Each key is
 * hashed again; for a map that asks (the checked build), one whose hash no
 * longer leads to `from`, or to its tag, was modified after insertion. */
HMAP_INLINE void move_entries(struct hmap *m, const struct hmap_table *from,
                              struct hmap_table *left, struct hmap_table *right,
                              enum key_kind kind)
{
    bool check = hooks_verify_moved_keys(m);
    const uint8_t *ctrl = table_ctrl(from);
    if (kind == KIND_CSTR)
        prefetch_strings(m, from, 0);
    for (size_t g = 0; g < from->groups; g++) {
        const uint8_t *c = ctrl + g * GROUP_BYTES;
        if (kind == KIND_CSTR && g + 1 < from->groups)
            prefetch_strings(m, from, g + 1);
        for (slot_mask live = group_live(c); live; live &= live - 1) {
            unsigned i = first_slot(live);
            char *src = slot_at(m, from, g * GROUP_SLOTS + i);
            uint64_t h = key_hash(m, src, kind);
            if (HMAP_UNLIKELY(check) && (table_of(m, h) != from || c[i] != tag_of(h)))
                hooks_misplaced_key(m)(m, src);
            struct hmap_table *to = left;
            if (right && ((h >> (63 - from->depth)) & 1))
                to = right;
            place_entry(m, to, h, src);
        }
    }
}

/* ---- faulting in ahead ------------------------------------------------
 *
 * The first write to each page of fresh memory takes a page fault: about
 * a microsecond on bare metal, tens in some virtual machines.  A split
 * needs a fresh table (32 KiB for 8-byte keys and values: 8 pages) and a
 * doubling a directory twice as large; faulting them in inside the one
 * insertion that splits made it the slowest insertion by far.  So after a
 * write that grew a map of several tables (and after hmap_reserve made
 * several), the memory of its next split (a spare table) and of its next
 * doubling (next_dir) is allocated, and each insertion after that faults
 * in one more page of them until both are whole.  The spare is allocated
 * before the replaced table is freed, so that the split after next can
 * find that one in the allocator, faulted in already (a plain map's small
 * tables: a checked map's retired tables wait in its quarantine, and large
 * ones go back to the kernel).  (A checked map's spare comes from its hooks, like its
 * other tables; a plain map's is left alone by the tests' failure
 * injection, since its failure changes nothing.) */

enum { AHEAD_STRIDE = 4096 }; /* pages are at least this large */

static size_t dir_bytes(size_t entries)
{
    return entries * sizeof(struct hmap_dir_entry);
}

static void free_dir(struct hmap_dir_entry *dir, size_t entries)
{
    hmap__free_aligned(dir, dir_bytes(entries), _Alignof(max_align_t));
}

/* The first page boundary at or after p, or NULL at or past end. */
static char *page_from(char *p, char *end)
{
    char *page = (char *)(((uintptr_t)p + AHEAD_STRIDE - 1) & ~(uintptr_t)(AHEAD_STRIDE - 1));
    return page < end ? page : NULL;
}

static char *table_end(const struct hmap_table *t)
{
    return (char *)t->block + t->bytes;
}

static void prepare_ahead(struct hmap *m)
{
    if (m->depth == 0)
        return; /* one table: it doubles first, and its splits are cheap */
    int saved_errno = errno;
    if (!m->spare) {
        m->spare = hooks_own_tables(m) ? hmap__table_new(m, MAX_GROUPS, 0)
                                       : hmap__table_ahead(m, MAX_GROUPS);
        if (m->spare)
            m->spare_ahead = page_from(m->spare->slots, table_end(m->spare));
    }
    size_t want = (size_t)2 << m->depth;
    if (!m->next_dir && m->depth < MAX_DEPTH) {
        m->next_dir = hmap__alloc_ahead(dir_bytes(want), _Alignof(max_align_t));
        if (m->next_dir) {
            m->next_dir_len = want;
            m->dir_ahead = (char *)m->next_dir;
        }
    }
    errno = saved_errno;
}

void hmap__fault_ahead(struct hmap *m)
{
    if (m->spare_ahead) {
        *(volatile char *)m->spare_ahead = 0;
        m->spare_ahead = page_from(m->spare_ahead + 1, table_end(m->spare));
    } else {
        *(volatile char *)m->dir_ahead = 0;
        m->dir_ahead = page_from(m->dir_ahead + 1, (char *)m->next_dir +
                                                       dir_bytes(m->next_dir_len));
    }
}

/* Forgets next_dir (used up, or freed by the caller). */
static void drop_next_dir(struct hmap *m)
{
    m->next_dir = NULL;
    m->next_dir_len = 0;
    m->dir_ahead = NULL;
}

/* The spare as a table of `groups` groups and local depth `depth`, or NULL
 * if there is none of that size. */
static struct hmap_table *take_spare(struct hmap *m, size_t groups, unsigned depth)
{
    struct hmap_table *t = m->spare;
    if (!t || t->groups != groups)
        return NULL;
    m->spare = NULL;
    m->spare_ahead = NULL;
    t->generation = ++m->generation;
    t->depth = (uint8_t)depth;
    return t;
}

void hmap__retire_replaced(struct hmap *m)
{
    struct hmap_table *t = m->replaced;
    m->replaced = NULL;
    if (t)
        prepare_ahead(m);
    hmap__table_retire(m, t);
}

/* Frees what was prepared ahead (hmap__release_tables). */
void hmap__release_ahead(struct hmap *m)
{
    hmap__table_retire(m, m->spare);
    m->spare = NULL;
    m->spare_ahead = NULL;
    if (m->next_dir)
        free_dir(m->next_dir, m->next_dir_len);
    drop_next_dir(m);
}

/* ---- the directory -------------------------------------------------- */

static void install_first(struct hmap *m, struct hmap_table *t)
{
    m->dir0 = entry_for(t);
    m->dir = &m->dir0;
    m->depth = 0;
    m->dir_shift = 63;
    m->tables = 1;
    m->slots = (size_t)t->groups * GROUP_SLOTS;
}

/* Doubles the directory: every table fills twice as many entries. */
static int double_directory(struct hmap *m)
{
    size_t n = (size_t)1 << m->depth;
    if (m->depth >= MAX_DEPTH)
        return ENOMEM;
    struct hmap_dir_entry *dir = NULL;
    if (m->next_dir && m->next_dir_len == 2 * n) {
        dir = m->next_dir;
        drop_next_dir(m);
    } else {
        dir = hmap__alloc_aligned(dir_bytes(2 * n), _Alignof(max_align_t));
        if (!dir)
            return ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        dir[2 * i] = dir[2 * i + 1] = m->dir[i];
    if (m->dir != &m->dir0)
        free_dir(m->dir, n);
    if (m->next_dir) { /* prepared for another size: no use now */
        free_dir(m->next_dir, m->next_dir_len);
        drop_next_dir(m);
    }
    m->dir = dir;
    m->depth++;
    m->dir_shift--;
    return 0;
}

static void fill_dir(struct hmap *m, size_t first, size_t n, const struct hmap_table *t)
{
    struct hmap_dir_entry e = entry_for(t);
    for (size_t i = 0; i < n; i++)
        m->dir[first + i] = e;
}

/* The table an insertion's growth replaced is retired when the write ends,
 * after its last read of the key argument, which may point into it.  A
 * second growth in the same insertion replaces a table that this write
 * made, which the key cannot point into. */
static void retire_later(struct hmap *m, struct hmap_table *t, bool later)
{
    if (later && !m->replaced)
        m->replaced = t;
    else
        hmap__table_retire(m, t);
}

/* ---- rebuilding and splitting --------------------------------------- */

/* Replaces t (filling directory entries from `first`) by a table of
 * `groups` groups holding its entries. */
HMAP_INLINE int rebuild(struct hmap *m, struct hmap_table *t, size_t first, size_t groups,
                        enum key_kind kind, bool later)
{
    struct hmap_table *nt = hmap__table_new(m, groups, t->depth);
    if (!nt)
        return ENOMEM;
    nt->no_split = t->no_split;
    move_entries(m, t, nt, NULL, kind);
    fill_dir(m, first, dir_span(m, t), nt);
    m->slots += ((size_t)nt->groups - t->groups) * GROUP_SLOTS;
    m->growths++;
    retire_later(m, t, later);
    return 0;
}

/* Replaces t (filling directory entries from `first`) by two tables of
 * one more bit of depth. */
HMAP_INLINE int split(struct hmap *m, struct hmap_table *t, size_t first, enum key_kind kind,
                      bool later)
{
    struct hmap_table *left = take_spare(m, t->groups, t->depth + 1u);
    bool left_is_spare = left != NULL;
    if (!left)
        left = hmap__table_new(m, t->groups, t->depth + 1u);
    struct hmap_table *right = left ? hmap__table_new(m, t->groups, t->depth + 1u) : NULL;
    bool doubles = t->depth == m->depth;
    if (!right || (doubles && double_directory(m) != 0)) {
        hmap__table_retire(m, right);
        if (left && left_is_spare)
            m->spare = left; /* kept for the next try, faulted in */
        else
            hmap__table_retire(m, left);
        return ENOMEM;
    }
    if (doubles)
        first *= 2;
    move_entries(m, t, left, right, kind);
    /* A split of a full table that sent every key one way would only do so
     * again.  (One of few keys, as reserving room makes, proves nothing.) */
    if (t->used > max_load(t->groups) / 2 && (left->used == 0 || right->used == 0))
        left->no_split = right->no_split = 1;
    size_t half = dir_span(m, t) / 2;
    fill_dir(m, first, half, left);
    fill_dir(m, first + half, half, right);
    m->tables++;
    m->slots += (size_t)t->groups * GROUP_SLOTS;
    m->growths++;
    retire_later(m, t, later);
    return 0;
}

/* Makes room in t, which holds `hash` and has none left. */
HMAP_INLINE int grow_table(struct hmap *m, uint64_t hash, enum key_kind kind)
{
    size_t index = dir_index(m, hash);
    struct hmap_table *t = dir_table(m, index);
    size_t first = dir_first(m, t, index);
    if (t->used <= max_load(t->groups) / 2)
        return rebuild(m, t, first, t->groups, kind, true);
    if (t->groups < MAX_GROUPS || t->no_split || t->depth >= MAX_DEPTH)
        return rebuild(m, t, first, (size_t)t->groups * 2, kind, true);
    return split(m, t, first, kind, true);
}

#define DEFINE_GROW_FOR_KIND(name, KIND)                                     \
    int hmap__grow_##name(struct hmap *m, uint64_t hash)                     \
    {                                                                        \
        return grow_table(m, hash, KIND);                                    \
    }
FOR_EACH_KIND(DEFINE_GROW_FOR_KIND)

/* Rebuilds and splits outside an insertion, for any kind of key; the
 * replaced table is retired at once. */
static int rebuild_now(struct hmap *m, struct hmap_table *t, size_t first, size_t groups)
{
    switch ((enum key_kind)m->kind) {
    case KIND_U64:
        return rebuild(m, t, first, groups, KIND_U64, false);
    case KIND_U32:
        return rebuild(m, t, first, groups, KIND_U32, false);
    case KIND_CSTR:
        return rebuild(m, t, first, groups, KIND_CSTR, false);
    case KIND_GENERIC:
        break;
    }
    return rebuild(m, t, first, groups, KIND_GENERIC, false);
}

static int split_now(struct hmap *m, struct hmap_table *t, size_t first)
{
    return split(m, t, first, (enum key_kind)m->kind, false);
}

/* ---- the first table, reserving, relocating ------------------------- */

/* The fewest groups (a power of two) that hold n entries. */
static size_t groups_for(size_t n)
{
    size_t groups = 1;
    while (max_load(groups) < n)
        groups *= 2;
    return groups;
}

int hmap__first_table(struct hmap *m, size_t hint)
{
    size_t groups = hint > max_load(MAX_GROUPS) ? MAX_GROUPS : groups_for(hint);
    struct hmap_table *t = hmap__table_new(m, groups, 0);
    if (!t)
        return ENOMEM;
    install_first(m, t);
    return 0;
}

/* Tables of MAX_GROUPS are filled to 3/4 of their load on average after a
 * reservation, so that the spread of a good hash does not fill one. */
static size_t reserved_per_table(void)
{
    return max_load(MAX_GROUPS) * 3 / 4;
}

bool hmap__could_hold(const struct hmap *m, size_t n)
{
    size_t per_entry = (size_t)m->layout.entry_size + 2;
    return n <= (size_t)PTRDIFF_MAX / 2 / per_entry;
}

int hmap__reserve_tables(struct hmap *m, size_t n)
{
    if (!hmap__could_hold(m, n))
        return EINVAL;
    if (n <= max_load(MAX_GROUPS) && m->depth == 0) {
        if (!m->dir)
            return hmap__first_table(m, n);
        struct hmap_table *t = dir_table(m, 0);
        size_t groups = groups_for(n);
        if (t->groups >= groups && t->used + t->growth_left >= n)
            return 0;
        /* larger, or at its size to win back the room that deletions in
         * overflowed groups took */
        return rebuild_now(m, t, 0, groups > t->groups ? groups : t->groups);
    }
    unsigned depth = 0;
    while (((size_t)reserved_per_table() << depth) < n)
        depth++;
    if (depth > MAX_DEPTH)
        return EINVAL;
    if (!m->dir && hmap__first_table(m, max_load(MAX_GROUPS)) != 0)
        return ENOMEM;
    while (m->depth < depth)
        if (double_directory(m) != 0)
            return ENOMEM;
    for (size_t i = 0; i < ((size_t)1 << m->depth);) {
        struct hmap_table *t = dir_table(m, i);
        int err = 0;
        if (t->groups < MAX_GROUPS)
            err = rebuild_now(m, t, i, MAX_GROUPS);
        else if (t->depth < depth && !t->no_split)
            err = split_now(m, t, i);
        else if (t->used + t->growth_left < max_load(t->groups))
            err = rebuild_now(m, t, i, t->groups); /* room that deletions took */
        else
            i += dir_span(m, t);
        if (err)
            return err;
    }
    /* as after an insertion's growth: the next split's memory, ahead */
    prepare_ahead(m);
    return 0;
}

/* A copy of t in fresh memory, every entry at the same position, so that
 * nothing is hashed again.  Only live slots are read: under ASan a deleted
 * one is poisoned. */
static int copy_table(struct hmap *m, struct hmap_table *t, size_t first)
{
    struct hmap_table *nt = hmap__table_new(m, t->groups, t->depth);
    if (!nt)
        return ENOMEM;
    memcpy(table_ctrl(nt), table_ctrl(t), (size_t)t->groups * GROUP_BYTES);
    size_t size = m->layout.entry_size;
    for (size_t g = 0; g < t->groups; g++) {
        for (slot_mask live = group_live(table_ctrl(t) + g * GROUP_BYTES); live; live &= live - 1) {
            size_t i = g * GROUP_SLOTS + first_slot(live);
            char *src = slot_at(m, t, i), *dst = slot_at(m, nt, i);
            copy_small(dst, src, size);
            if (HMAP_UNLIKELY(src == m->followed))
                m->followed = dst;
        }
    }
    nt->used = t->used;
    nt->growth_left = t->growth_left;
    nt->no_split = t->no_split;
    fill_dir(m, first, dir_span(m, t), nt);
    m->growths++;
    hmap__table_retire(m, t);
    return 0;
}

/* Relocation (the checked build's relocate=): every table copied to fresh
 * memory.  Out of memory, the tables not moved yet stay. */
int hmap__relocate(struct hmap *m)
{
    if (!m->dir)
        return 0;
    for (size_t i = 0; i < ((size_t)1 << m->depth);) {
        struct hmap_table *t = dir_table(m, i);
        size_t span = dir_span(m, t);
        if (copy_table(m, t, i) != 0)
            return ENOMEM;
        i += span;
    }
    return 0;
}
