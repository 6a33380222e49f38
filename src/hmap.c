/*
 * hmap.c - the map's operations: creation, lookup, insertion, deletion,
 * reserving room, statistics.  The data structure and its invariants are
 * described at the top of hmap_internal.h; the read path is inline in
 * lookup.h and the write paths in write.h (the checked runtime
 * instantiates both too); tables live in table.c, their growth in grow.c,
 * iteration in iter.c and the self-check in verify.c.
 *
 * The hot paths (lookup, insert, delete) are written once as always-inline
 * functions taking the key kind as a parameter, and instantiated for each
 * kind by a switch in the public function, so that 8-byte, 4-byte and
 * C-string keys are hashed and compared without an indirect call.
 */
#include "grow.h"
#include "hash.h"
#include "lookup.h"
#include "write.h"

#include <errno.h>
#include <stdlib.h>

/* ---- type descriptor and layout ------------------------------------- */

static bool is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}


static size_t natural_align(size_t size)
{
    size_t a = size & -size;
    return a > _Alignof(max_align_t) ? _Alignof(max_align_t) : a;
}

/* Keys and values above this size are refused: it keeps every offset of a
 * slot well inside 32 bits. */
#define MAX_ITEM_SIZE ((size_t)1 << 24)

static bool resolve_align(size_t size, size_t *align)
{
    if (*align == 0)
        *align = size ? natural_align(size) : 1;
    return is_pow2(*align) && *align <= MAX_ALIGN;
}

/* A slot is a key followed by its value (a set's slot is its key), so
 * that a hit touches one cache line of slots.  A table's block is aligned
 * for its slots, and for its groups (16 bytes) at least. */
static bool compute_layout(hmap_type *t, struct hmap_layout *l)
{
    if (t->key_size == 0 || t->key_size > MAX_ITEM_SIZE || t->val_size > MAX_ITEM_SIZE)
        return false;
    if (!resolve_align(t->key_size, &t->key_align) || !resolve_align(t->val_size, &t->val_align))
        return false;

    size_t entry_align = t->key_align > t->val_align ? t->key_align : t->val_align;
    size_t val_off = t->val_size ? align_up(t->key_size, t->val_align) : 0;
    size_t entry = align_up(val_off + (t->val_size ? t->val_size : t->key_size), entry_align);
    l->entry_size = (uint32_t)entry;
    l->val_off = (uint32_t)val_off;
    l->table_align = (uint32_t)(entry_align > GROUP_BYTES ? entry_align : GROUP_BYTES);
    l->group_stride = (uint32_t)(GROUP_SLOTS * entry);
    return true;
}

static enum key_kind choose_kind(const hmap_type *t)
{
    if (t->hash == hmap_hash_cstr && t->equal == hmap_equal_cstr && t->key_size == sizeof(char *))
        return KIND_CSTR;
    if (t->hash == NULL && t->equal == NULL) {
        if (t->key_size == 8)
            return KIND_U64;
        if (t->key_size == 4)
            return KIND_U32;
    }
    return KIND_GENERIC;
}

/* ---- hashing and comparing keys ------------------------------------- */

uint64_t hmap__key_hash(const struct hmap *m, const void *key)
{
    return key_hash(m, key, (enum key_kind)m->kind);
}

bool hmap__key_equal(const struct hmap *m, const void *a, const void *b)
{
    return key_equal(m, a, b, (enum key_kind)m->kind);
}

/* ---- lookup --------------------------------------------------------- */

size_t hmap_len(const hmap *m)
{
    return m ? m->count : 0;
}

/* One out-of-line copy of the lookup per key kind, and one of hmap_has:
 * the public functions are tail-calling switches, so the fast kinds never
 * pay for the registers the generic kind's callbacks need, and hmap_has
 * is not a call to hmap_get. */
#define DEFINE_LOOKUP_FOR_KIND(name, KIND)                                           \
    static __attribute__((noinline)) void *lookup_##name(const struct hmap *m,     \
                                                         const void *key)          \
    {                                                                              \
        return lookup(m, key, KIND);                                               \
    }                                                                              \
    static __attribute__((noinline)) bool has_##name(const struct hmap *m,         \
                                                     const void *key)              \
    {                                                                              \
        return contains(m, key, KIND);                                             \
    }
FOR_EACH_KIND(DEFINE_LOOKUP_FOR_KIND)

void *hmap_get(const hmap *m, const void *key)
{
    if (!m || m->count == 0)
        return NULL;
    BY_KIND(m->kind, lookup, m, key);
}

bool hmap_has(const hmap *m, const void *key)
{
    if (!m || m->count == 0)
        return false;
    BY_KIND(m->kind, has, m, key);
}

/* ---- insertion and deletion ----------------------------------------- */

static void write_done(struct hmap *m)
{
    if (hooks_notice_writes(m))
        m->hooks->write_done(m);
}

/* Runs step(m) and returns where the entry whose value slot was `val`
 * lives afterwards: relocation reports every move of m->followed.
 * (Looking the key up again would run the user's callbacks twice, fail for
 * a key not equal to itself, and read `key` after the move when it points
 * into the map.) */
static void *following_entry(struct hmap *m, void *val, void (*step)(struct hmap *))
{
    m->followed = (char *)val - m->layout.val_off;
    step(m);
    val = m->followed + m->layout.val_off;
    m->followed = NULL;
    return val;
}

/* The end of a put or a set: the hooks told, if `hooked`.  A put's hook
 * may relocate the map, moving the entry; its value slot is followed. */
HMAP_INLINE void *put_done(struct hmap *m, void *val, bool hooked)
{
    if (hooked && HMAP_UNLIKELY(hooks_notice_writes(m)))
        val = following_entry(m, val, write_done);
    return val;
}

static __attribute__((noinline)) int set_done_hooked(struct hmap *m)
{
    m->hooks->write_done(m);
    return 0;
}

/* The hook in a tail call: a set keeps nothing live across a call. */
HMAP_INLINE int set_done(struct hmap *m, bool hooked)
{
    if (hooked && HMAP_UNLIKELY(hooks_notice_writes(m)))
        return set_done_hooked(m);
    return 0;
}

/* A replacement's value copied where the map's slots are not small
 * (copy_small may call memcpy), and the set done. */
static __attribute__((noinline)) int set_value(struct hmap *m, void *slot, const void *val,
                                               bool hooked)
{
    copy_small(slot, val, m->type.val_size);
    return set_done(m, hooked);
}

/* The writes, one out-of-line copy per key kind, as the lookup: each
 * public function is a tail-calling switch.  `hooked`: whether the write
 * tells the hooks it is done (write_done); the checked runtime's whole
 * protocol calls them without (hmap__put_unhooked and the others), and
 * counts the write itself.  A put or a set takes an insertion's common
 * cases itself (write.h, insert_common) and goes on with the rest in a
 * second function; a deletion does the whole work itself in a map
 * without hooks, and leaves a map with hooks to a second function.  An
 * insertion's growth may replace a table, which end_of_write retires; a
 * value is copied before that, as it may point into that table. */
#define DEFINE_WRITES_FOR_KIND(name, KIND)                                           \
    static __attribute__((noinline)) void *put_growing_##name(                       \
        struct hmap *m, const void *key, uint64_t h, bool further, bool *inserted,   \
        bool hooked)                                                                 \
    {                                                                                \
        void *val = insert_growing(m, key, h, further, inserted, KIND);              \
        end_of_write(m);                                                             \
        return val ? put_done(m, val, hooked) : NULL;                                \
    }                                                                                \
    static __attribute__((noinline)) void *put_##name(struct hmap *m, const void *key, \
                                                      bool *inserted, bool hooked)  \
    {                                                                                \
        uint64_t h = key_hash(m, key, KIND);                                         \
        bool further = false;                                                        \
        void *val = insert_common(m, key, h, KIND, inserted, &further);              \
        if (!val)                                                                    \
            return put_growing_##name(m, key, h, further, inserted, hooked);         \
        return put_done(m, val, hooked);                                             \
    }                                                                                \
    static __attribute__((noinline)) int set_growing_##name(                         \
        struct hmap *m, const void *key, uint64_t h, bool further, const void *val,  \
        bool hooked)                                                                 \
    {                                                                                \
        void *slot = insert_growing(m, key, h, further, NULL, KIND);                 \
        if (slot)                                                                    \
            copy_small(slot, val, m->type.val_size);                                 \
        end_of_write(m);                                                             \
        return slot ? set_done(m, hooked) : ENOMEM;                                  \
    }                                                                                \
    static __attribute__((noinline)) int set_##name(struct hmap *m, const void *key, \
                                                    const void *val, bool hooked)  \
    {                                                                                \
        uint64_t h = key_hash(m, key, KIND);                                         \
        bool further = false;                                                        \
        void *slot = insert_common(m, key, h, KIND, NULL, &further);                 \
        if (!slot)                                                                   \
            return set_growing_##name(m, key, h, further, val, hooked);              \
        /* found, if the slots are not small (insert_at_hand needs them) */          \
        if (HMAP_UNLIKELY(!m->small_slots))                                          \
            return set_value(m, slot, val, hooked);                                  \
        copy_inline(slot, val, m->type.val_size);                                    \
        return set_done(m, hooked);                                                  \
    }                                                                                \
    static __attribute__((noinline)) bool del_hooked_##name(struct hmap *m,          \
                                                            const void *key,         \
                                                            bool hooked)             \
    {                                                                                \
        if (!del_of_kind(m, key, KIND, FILL_AS_HOOKS_SAY))                           \
            return false;                                                            \
        if (hooked)                                                                  \
            write_done(m);                                                           \
        return true;                                                                 \
    }                                                                                \
    static __attribute__((noinline)) bool del_##name(struct hmap *m, const void *key, \
                                                     bool hooked)                    \
    {                                                                                \
        if (HMAP_UNLIKELY(!hooks_absent(m)))                                         \
            return del_hooked_##name(m, key, hooked);                                \
        return del_of_kind(m, key, KIND, FILL_NOTHING);                              \
    }
FOR_EACH_KIND(DEFINE_WRITES_FOR_KIND)

void *hmap__put_unhooked(struct hmap *m, const void *key, bool *inserted)
{
    BY_KIND(m->kind, put, m, key, inserted, false);
}

int hmap__set_unhooked(struct hmap *m, const void *key, const void *val)
{
    BY_KIND(m->kind, set, m, key, val, false);
}

bool hmap__del_unhooked(struct hmap *m, const void *key)
{
    if (m->count == 0)
        return false;
    BY_KIND(m->kind, del, m, key, false);
}

void *hmap_put(hmap *m, const void *key, bool *inserted)
{
    if (!m) {
        errno = EINVAL;
        return NULL;
    }
    BY_KIND(m->kind, put, m, key, inserted, true);
}

int hmap_set(hmap *m, const void *key, const void *val)
{
    if (!m || (!val && m->type.val_size))
        return EINVAL;
    BY_KIND(m->kind, set, m, key, val, true);
}

bool hmap_del(hmap *m, const void *key)
{
    if (!m || m->count == 0)
        return false;
    BY_KIND(m->kind, del, m, key, true);
}

static void relocate_quietly(struct hmap *m)
{
    (void)hmap__relocate(m); /* out of memory: the map simply stays put */
}

void *hmap__relocate_following(struct hmap *m, void *val)
{
    if (!val) {
        relocate_quietly(m);
        return NULL;
    }
    return following_entry(m, val, relocate_quietly);
}

/* An empty map gets a fresh seed, as in Go: keys chosen against the old
 * one are worthless from here on.  A map of one table also drops its
 * overflow bits, which the new seed makes meaningless; a larger map keeps
 * them until its tables are rebuilt (they only lengthen probes). */
void hmap__reseed_empty(struct hmap *m)
{
    m->hash0 = hmap__random64();
    if (m->tables == 1) {
        struct hmap_table *t = dir_table(m, 0);
        memset(table_ctrl(t), 0, (size_t)t->groups * GROUP_BYTES);
        t->growth_left = (uint32_t)max_load(t->groups);
    }
}

void hmap__delete_slot(struct hmap *m, struct hmap_table *t, size_t c)
{
    delete_at(m, t, c, slot_at_ctrl(m, t, c));
}

/* ---- whole-map operations ------------------------------------------- */

/* Retires every table of the map and its directory (clear, free). */
void hmap__release_tables(struct hmap *m)
{
    hmap__table_retire(m, m->replaced); /* NULL but inside a write */
    m->replaced = NULL;
    if (!m->dir)
        return;
    size_t n = (size_t)1 << m->depth;
    for (size_t i = 0; i < n;) {
        struct hmap_table *t = dir_table(m, i);
        i += dir_span(m, t);
        hmap__table_retire(m, t);
    }
    if (m->dir != &m->dir0)
        hmap__free_aligned(m->dir, n * sizeof *m->dir, _Alignof(max_align_t));
    hmap__release_ahead(m);
    m->dir = NULL;
    m->depth = 0;
    m->dir_shift = 63;
    m->tables = 0;
    m->slots = 0;
}

/* Room for n entries.  Each step leaves a consistent map, so running out
 * of memory midway leaves its entries as they were. */
int hmap_reserve(hmap *m, size_t n)
{
    if (!m)
        return EINVAL;
    return hmap__reserve_tables(m, n);
}

void hmap_stats(const hmap *m, struct hmap_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!m)
        return;
    s->entries = m->count;
    s->tables = m->tables;
    s->slots = m->slots;
    s->directory = m->dir ? (size_t)1 << m->depth : 0;
    s->bytes = sizeof *m + (m->dir && m->dir != &m->dir0 ? s->directory * sizeof *m->dir : 0);
    for (size_t i = 0; i < s->directory;) {
        const struct hmap_table *t = dir_table(m, i);
        i += dir_span(m, t);
        s->capacity += t->used + t->growth_left;
        s->bytes += t->bytes;
    }
    s->bytes += m->spare ? m->spare->bytes : 0;
    s->bytes += m->next_dir ? m->next_dir_len * sizeof *m->dir : 0;
    if (s->capacity < GROUP_SLOTS * 7 / 8)
        s->capacity = GROUP_SLOTS * 7 / 8; /* the first table's, before it exists */
    s->load = s->slots ? (double)m->count / (double)s->slots : 0.0;
    s->growths = m->growths;
}

void hmap_clear(hmap *m)
{
    if (!m)
        return;
    hmap__release_tables(m);
    m->count = 0;
    m->hash0 = hmap__random64();
    write_done(m);
}

static int init_map(struct hmap *m, const hmap_type *type, size_t hint,
                    const struct hmap_hooks *hooks)
{
    memset(m, 0, sizeof *m);
    m->hooks = hooks;
    m->type = *type;
    if (!compute_layout(&m->type, &m->layout) || !hmap__could_hold(m, hint))
        return EINVAL;
    m->magic = HMAP_MAGIC_LIVE;
    m->kind = (uint8_t)choose_kind(&m->type);
    m->dir_shift = 63;
    m->hash0 = hmap__random64();
    note_small_slots(m);
    /* Allocate up front only when the caller announced entries, so that
     * an out-of-memory hint fails here and not on the first insertion. */
    if (hint > 0) {
        int err = hmap__reserve_tables(m, hint);
        if (err) {
            hmap__release_tables(m);
            return err;
        }
    }
    return 0;
}

hmap *hmap_new(const hmap_type *type, size_t hint)
{
    return hmap__new_hooked(type, hint, NULL);
}

/* A map whose memory and write events go through `hooks` (NULL: a plain
 * map).  The hooks are in place before the first table is allocated. */
struct hmap *hmap__new_hooked(const hmap_type *type, size_t hint, const struct hmap_hooks *hooks)
{
    if (!type) {
        errno = EINVAL;
        return NULL;
    }
    hmap *m = hmap__alloc(sizeof *m);
    if (!m) {
        errno = ENOMEM;
        return NULL;
    }
    int err = init_map(m, type, hint, hooks);
    if (err) {
        hmap__free(m, sizeof *m);
        errno = err;
        return NULL;
    }
    return m;
}

void hmap_free(hmap *m)
{
    if (!m)
        return;
    hmap__release_tables(m);
    m->magic = HMAP_MAGIC_FREED;
    if (hooks_keep_freed_header(m))
        m->hooks->map_free(m);
    else
        hmap__free(m, sizeof *m);
}
