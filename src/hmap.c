/*
 * hmap.c - the map's operations: creation, lookup, insertion, deletion,
 * reserving room, statistics.  The data structure and its invariants are
 * described at the top of hmap_internal.h; the read path is inline in
 * lookup.h (the checked runtime instantiates it too); bucket arrays and
 * their growth live in grow.c, iteration in iter.c and the self-check in
 * verify.c.
 *
 * The hot paths (lookup, insert) are written once as always-inline
 * functions taking the key kind as a parameter, and instantiated for each
 * kind by a switch in the public function, so that 8-byte, 4-byte and
 * C-string keys are hashed and compared without an indirect call.
 */
#include "grow.h"
#include "hmap_internal.h"
#include "hash.h"
#include "lookup.h"

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
 * bucket well inside 32 bits. */
#define MAX_ITEM_SIZE ((size_t)1 << 24)

static bool resolve_align(size_t size, size_t *align)
{
    if (*align == 0)
        *align = size ? natural_align(size) : 1;
    return is_pow2(*align) && *align <= MAX_ALIGN;
}

/* A bucket is the 8 tags and the overflow link (16 bytes, so that one
 * cache line serves both), the split bits if the map keeps them, then 8
 * entries, each a key followed by its value.  Keeping a key beside its value
 * makes a lookup touch two cache lines, the tags and the entry, where Go's
 * "all keys, then all values" touches three. */
static bool compute_layout(hmap_type *t, struct hmap_layout *l, bool split_bits)
{
    if (t->key_size == 0 || t->key_size > MAX_ITEM_SIZE || t->val_size > MAX_ITEM_SIZE)
        return false;
    if (!resolve_align(t->key_size, &t->key_align) || !resolve_align(t->val_size, &t->val_align))
        return false;

    size_t entry_align = t->key_align > t->val_align ? t->key_align : t->val_align;
    size_t align = entry_align > _Alignof(void *) ? entry_align : _Alignof(void *);
    size_t val_in_entry = t->val_size ? align_up(t->key_size, t->val_align) : 0;
    size_t entry = align_up(val_in_entry + (t->val_size ? t->val_size : t->key_size), entry_align);
    size_t header = BUCKET_SLOTS + sizeof(void *);
    l->split_off = split_bits ? (uint32_t)header : 0;
    if (split_bits)
        header += BUCKET_SLOTS;
    size_t key_off = align_up(header, entry_align);

    l->bucket_align = (uint32_t)align;
    l->ovf_off = BUCKET_SLOTS;
    l->key_off = (uint32_t)key_off;
    l->val_off = (uint32_t)(key_off + val_in_entry); /* a set's "value" is its key */
    l->entry_size = (uint32_t)entry;
    l->bucket_size = (uint32_t)align_up(key_off + BUCKET_SLOTS * entry, align);
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

/* Keys whose hash reads memory outside the map (C strings) or runs the
 * user's code: hashing them again in every growth would cost more than the
 * byte per slot of split bits. */
static bool keeps_split_bits(const hmap_type *t, enum key_kind kind)
{
    return kind == KIND_CSTR || t->hash != NULL;
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

bool hmap_has(const hmap *m, const void *key)
{
    return hmap_get(m, key) != NULL;
}

size_t hmap_len(const hmap *m)
{
    return m ? m->count : 0;
}

/* ---- insertion ------------------------------------------------------ */

static bool needs_growth(const struct hmap *m)
{
    if (m->old)
        return false;
    if (over_load_factor(m->count + 1, m->B))
        return true;
    return !m->no_same_size_grow && too_many_overflow(m->buckets->noverflow, m->B);
}

HMAP_INLINE void *insert(struct hmap *m, const void *key, bool *inserted, enum key_kind kind)
{
    uint64_t h = key_hash(m, key, kind);
    uint8_t tag = tag_of(h);
    if (HMAP_UNLIKELY(!m->buckets)) {
        m->buckets = hmap__array_new(m, m->B);
        if (!m->buckets)
            goto oom;
    }
again:
    if (HMAP_UNLIKELY(m->old != NULL)) {
        /* The key's bucket will be a cache miss in a large map; fetching it
         * now overlaps that miss with the growth work, which touches other
         * memory.  (The work may evacuate the bucket and move the key's
         * home to the new array; then this prefetch was wasted, nothing
         * more.) */
        __builtin_prefetch(home_bucket(m, h, NULL));
        if (grow_work_of_kind(m, kind, key) != 0)
            goto oom;
    }

    struct hmap_array *a;
    char *b = home_bucket(m, h, &a);
    prefetch_entries(b);
    char *free_b = NULL, *last = b;
    unsigned free_i = 0;
    for (; b; b = *bucket_overflow(m, b)) {
        uint64_t tags = bucket_tags(b);
        for (uint64_t mt = tags_matching(tags, tag); mt; mt &= mt - 1) {
            unsigned i = first_match(mt);
            if (HMAP_LIKELY(key_equal(m, bucket_key(m, b, i), key, kind))) {
                if (inserted)
                    *inserted = false;
                return bucket_val(m, b, i);
            }
        }
        uint64_t empty = tags_matching(tags, TAG_EMPTY);
        if (!free_b && empty) {
            free_b = b;
            free_i = first_match(empty);
        }
        last = b;
    }

    if (HMAP_UNLIKELY(needs_growth(m))) {
        bool same_size = !over_load_factor(m->count + 1, m->B);
        if (hmap__start_growth(m, same_size) != 0)
            goto oom;
        goto again;
    }
    if (!free_b) {
        if (!hmap__reserve_overflow(m, a, 1))
            goto oom;
        free_b = hmap__take_overflow(m, a);
        *bucket_overflow(m, last) = free_b;
        free_i = 0;
    }
    void *val = bucket_val(m, free_b, free_i);
    /* A map that poisons its deleted slots (for ASan) lifts the poison
     * first; elsewhere the fill pattern is simply overwritten. */
    if (HMAP_UNLIKELY(m->poisons_slots))
        m->hooks->slot_filling(m, bucket_key(m, free_b, free_i), m->type.key_size, val,
                               m->type.val_size);
    free_b[free_i] = (char)tag;
    if (m->layout.split_off)
        bucket_split(m, free_b)[free_i] = split_of(h, (unsigned)__builtin_ctzll(a->nbuckets));
    copy_small(bucket_key(m, free_b, free_i), key, m->type.key_size);
    zero_small(val, m->type.val_size);
    m->count++;
    if (inserted)
        *inserted = true;
    return val;
oom:
    errno = ENOMEM;
    return NULL;
}

/* One out-of-line copy of the lookup per key kind: the public function is
 * a tail-calling switch, so the fast kinds never pay for the registers the
 * generic kind's callbacks need. */
#define DEFINE_FOR_KIND(name, KIND)                                                  \
    static __attribute__((noinline)) void *lookup_##name(const struct hmap *m,     \
                                                         const void *key)          \
    {                                                                              \
        return lookup(m, key, KIND);                                               \
    }                                                                              \
    static __attribute__((noinline)) void *insert_##name(struct hmap *m,           \
                                                         const void *key,          \
                                                         bool *inserted)           \
    {                                                                              \
        return insert(m, key, inserted, KIND);                                     \
    }

DEFINE_FOR_KIND(u64, KIND_U64)
DEFINE_FOR_KIND(u32, KIND_U32)
DEFINE_FOR_KIND(cstr, KIND_CSTR)
DEFINE_FOR_KIND(generic, KIND_GENERIC)

void *hmap_get(const hmap *m, const void *key)
{
    if (!m || m->count == 0)
        return NULL;
    switch ((enum key_kind)m->kind) {
    case KIND_U64:
        return lookup_u64(m, key);
    case KIND_U32:
        return lookup_u32(m, key);
    case KIND_CSTR:
        return lookup_cstr(m, key);
    case KIND_GENERIC:
        break;
    }
    return lookup_generic(m, key);
}

static void write_done(struct hmap *m)
{
    if (hooks_notice_writes(m))
        m->hooks->write_done(m);
}

/* Runs step(m) and returns where the entry whose value slot was `val`
 * lives afterwards: evacuation reports every move of m->followed.
 * (Looking the key up again would run the user's callbacks twice, fail for
 * a key not equal to itself, and read `key` after the move when it points
 * into the map.) */
static void *following_entry(struct hmap *m, void *val, void (*step)(struct hmap *))
{
    ptrdiff_t val_in_entry = (ptrdiff_t)m->layout.val_off - (ptrdiff_t)m->layout.key_off;
    m->followed = (char *)val - val_in_entry;
    step(m);
    val = m->followed + val_in_entry;
    m->followed = NULL;
    return val;
}

HMAP_INLINE void *put_unhooked(struct hmap *m, const void *key, bool *inserted)
{
    void *val;
    switch ((enum key_kind)m->kind) {
    case KIND_U64:
        val = insert_u64(m, key, inserted);
        break;
    case KIND_U32:
        val = insert_u32(m, key, inserted);
        break;
    case KIND_CSTR:
        val = insert_cstr(m, key, inserted);
        break;
    default:
        val = insert_generic(m, key, inserted);
        break;
    }
    end_of_write(m);
    return val;
}

void *hmap__put_unhooked(struct hmap *m, const void *key, bool *inserted)
{
    return put_unhooked(m, key, inserted);
}

void *hmap_put(hmap *m, const void *key, bool *inserted)
{
    if (!m) {
        errno = EINVAL;
        return NULL;
    }
    void *val = put_unhooked(m, key, inserted);
    /* The hook may relocate the map, moving the entry. */
    if (val && hooks_notice_writes(m))
        val = following_entry(m, val, write_done);
    return val;
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

int hmap_set(hmap *m, const void *key, const void *val)
{
    if (!m || (!val && m->type.val_size))
        return EINVAL;
    void *slot = hmap_put(m, key, NULL);
    if (!slot)
        return ENOMEM;
    copy_small(slot, val, m->type.val_size);
    return 0;
}

/* ---- deletion ------------------------------------------------------- */

/* Overwrites a deleted slot's key and value (adjacent: one entry) with
 * the hooks' fill byte. */
HMAP_INLINE void fill_deleted(struct hmap *m, char *b, unsigned i, int fill)
{
    char *entry = bucket_key(m, b, i);
    size_t n = m->type.val_size ? m->layout.val_off - m->layout.key_off + m->type.val_size
                                : m->type.key_size;
    fill_small(entry, fill, n);
    if (HMAP_UNLIKELY(m->poisons_slots))
        m->hooks->slot_deleted(m, entry, m->type.key_size,
                               m->type.val_size ? bucket_val(m, b, i) : NULL, m->type.val_size);
}

void hmap__delete_slot(struct hmap *m, char *b, unsigned i)
{
    b[i] = (char)TAG_EMPTY;
    int fill = hooks_deleted_fill(m);
    if (fill >= 0)
        fill_deleted(m, b, i, fill);
    /* An empty map gets a fresh seed, as in Go: keys chosen against the old
     * one are worthless from here on. */
    if (--m->count == 0)
        m->hash0 = hmap__random64();
}

HMAP_INLINE bool del_unhooked(struct hmap *m, const void *key)
{
    if (m->count == 0)
        return false;
    uint64_t h = hmap__key_hash(m, key);
    /* Growth work is optional for a delete: if it runs out of memory the
     * delete still happens, in whichever bucket holds the key. */
    if (m->old) {
        __builtin_prefetch(home_bucket(m, h, NULL)); /* as insert does */
        (void)grow_work_of_kind(m, (enum key_kind)m->kind, key);
    }
    char *b = home_bucket(m, h, NULL);
    prefetch_entries(b);
    int i = find_in_chain(m, &b, key, tag_of(h), (enum key_kind)m->kind);
    if (i >= 0)
        hmap__delete_slot(m, b, (unsigned)i);
    end_of_write(m);
    return i >= 0;
}

bool hmap__del_unhooked(struct hmap *m, const void *key)
{
    return del_unhooked(m, key);
}

bool hmap_del(hmap *m, const void *key)
{
    if (!m || !del_unhooked(m, key))
        return false;
    write_done(m);
    return true;
}

/* ---- whole-map operations ------------------------------------------- */

/* Frees every array of the map now (clear, free): nothing is left
 * retiring. */
void hmap__release_arrays(struct hmap *m)
{
    hmap__retire_evacuated(m);
    hmap__array_retire(m, m->old);
    hmap__array_retire(m, m->buckets);
    hmap__finish_retiring(m);
    m->old = m->buckets = NULL;
}

/* Room for n entries: the growth in progress finished, then doublings
 * run to completion until the array holds n without growing.  Each step
 * leaves a consistent map, so running out of memory midway leaves its
 * entries as they were. */
int hmap_reserve(hmap *m, size_t n)
{
    if (!m)
        return EINVAL;
    unsigned want = buckets_for_hint(n);
    if (want > MAX_B || hmap__array_bytes(m, want, false) == 0)
        return EINVAL;
    if (!m->buckets) {
        unsigned B = want > m->B ? want : m->B;
        struct hmap_array *a = hmap__array_new(m, B);
        if (!a)
            return ENOMEM;
        m->buckets = a;
        m->B = (uint8_t)B;
        return 0;
    }
    int err = hmap__finish_growth_now(m);
    end_of_write(m);
    while (!err && m->B < want) {
        err = hmap__start_growth(m, false);
        if (!err)
            err = hmap__finish_growth_now(m);
        end_of_write(m);
    }
    return err;
}

static size_t array_memory(const struct hmap_array *a)
{
    if (!a || is_view(a))
        return 0;
    size_t bytes = a->bytes;
    for (const struct hmap_ovf_chunk *c = a->chunks; c; c = c->next)
        bytes += c->bytes;
    return bytes;
}

void hmap_stats(const hmap *m, struct hmap_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!m)
        return;
    s->entries = m->count;
    s->buckets = (size_t)1 << m->B;
    s->capacity = LOAD_NUM * (s->buckets / LOAD_DEN);
    if (s->capacity < BUCKET_SLOTS)
        s->capacity = BUCKET_SLOTS;
    s->load = (double)m->count / (double)(s->buckets * BUCKET_SLOTS);
    s->overflow_buckets = m->buckets ? m->buckets->noverflow : 0;
    s->bytes = sizeof *m + array_memory(m->buckets) + array_memory(m->old) +
               array_memory(m->retiring);
    s->growths = m->growths;
    s->growing = m->old != NULL;
}

void hmap_clear(hmap *m)
{
    if (!m)
        return;
    hmap__release_arrays(m);
    m->nevacuate = 0;
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
    enum key_kind kind = choose_kind(&m->type);
    if (!compute_layout(&m->type, &m->layout, keeps_split_bits(&m->type, kind)))
        return EINVAL;
    unsigned B = buckets_for_hint(hint);
    if (hmap__array_bytes(m, B, false) == 0)
        return EINVAL;
    m->magic = HMAP_MAGIC_LIVE;
    m->B = (uint8_t)B;
    m->kind = (uint8_t)kind;
    m->hash0 = hmap__random64();
    /* Allocate up front only when the caller announced entries, so that
     * an out-of-memory hint fails here and not on the first insertion. */
    if (hint > 0) {
        m->buckets = hmap__array_new(m, B);
        if (!m->buckets)
            return ENOMEM;
    }
    return 0;
}

hmap *hmap_new(const hmap_type *type, size_t hint)
{
    return hmap__new_hooked(type, hint, NULL);
}

/* A map whose memory and write events go through `hooks` (NULL: a plain
 * map).  The hooks are in place before the first array is allocated. */
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
    hmap__release_arrays(m);
    m->magic = HMAP_MAGIC_FREED;
    if (hooks_keep_freed_header(m))
        m->hooks->map_free(m);
    else
        hmap__free(m, sizeof *m);
}
