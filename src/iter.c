/*
 * iter.c - iteration in random order, correct at every point of a growth.
 *
 * An iteration walks the bucket indexes of the current array starting at a
 * random one, and the slots of each bucket starting at a random offset, as
 * Go does.  While a growth is in progress, a new bucket whose old bucket has
 * not been evacuated yet is empty: its entries still live in the old bucket,
 * which is walked instead, once, when the lower of the two new indexes it
 * feeds comes up.  No growth work happens during an iteration (the only
 * write allowed then is hmap_iter_del, which empties a slot in place), so
 * the walk sees a structure that does not move.
 *
 * Arriving at a bucket, the iterator takes down which of its slots are live,
 * as a bit mask in visiting order; the steps within the bucket are then the
 * inline hmap__iter_next_inline of hmap.h, with no call and no read of the
 * bucket's tags.  This file does the rest: starting, moving from bucket to
 * bucket, and deleting the current entry.
 */
#include "hmap_internal.h"

void hmap_iter_init(hmap_iter *it, hmap *m)
{
    struct iter_state *s = hmap__iter_state(it);
    memset(it, 0, sizeof *it);
    s->m = m;
    s->origin = m;
    if (!m || m->count == 0 || !m->buckets) {
        s->m = NULL;
        return;
    }
    uint64_t r = hmap__random64();
    s->nbuckets = m->buckets->nbuckets;
    s->start = (size_t)r & (s->nbuckets - 1);
    s->pending = (uintptr_t)(r >> 61) << ITER_OFFSET_SHIFT;
    s->stride = m->layout.entry_size;
    s->to_val = m->type.val_size ? (uintptr_t)(m->layout.val_off - m->layout.key_off) : HMAP__NO_VAL;
}

/* The chain that holds the entries of new bucket idx.  An unevacuated old
 * bucket feeds two new ones; it is walked for the lower. */
static char *chain_at(const struct hmap *m, size_t idx)
{
    if (m->old) {
        char *ob = unevacuated_old_chain(m, idx);
        if (ob)
            return (!m->growing_same_size && idx >= m->old->nbuckets) ? NULL : ob;
    }
    return bucket_at(m->buckets, idx, m->layout.bucket_size);
}

/* The walk is sequential but slow, an entry per call with the caller's
 * work in between, and starts at a random bucket: the hardware prefetcher
 * picks it up late, so a large map's iteration would wait on every
 * bucket.  Fetching a few buckets ahead keeps it streaming. */
#define ITER_AHEAD 8

static void prefetch_bucket(const struct hmap *m, size_t idx)
{
    const char *b = bucket_at(m->buckets, idx, m->layout.bucket_size);
    for (uint32_t off = 0; off < m->layout.bucket_size; off += 64)
        __builtin_prefetch(b + off);
    __builtin_prefetch(b + m->layout.bucket_size - 1);
}

/* The live slots of bucket b, as the bits of the inline step: bit i for
 * slot (i + offset) % 8. */
static unsigned rotated_live_slots(const char *b, unsigned offset)
{
    /* Bit 7 of each byte says "live"; the multiply gathers the eight of
     * them into the top byte, slot i at bit 56 + i. */
    uint64_t live_bytes = ~tags_matching(bucket_tags(b), TAG_EMPTY) & 0x8080808080808080ull;
    unsigned live = (unsigned)(((live_bytes >> 7) * 0x0102040810204080ull) >> 56);
    return ((live >> offset) | (live << (BUCKET_SLOTS - offset))) & 0xffu;
}

/* Moves to the next bucket that has live slots: the rest of the current
 * chain, then the next bucket indexes.  False at the end. */
static bool next_bucket(struct iter_state *s)
{
    struct hmap *m = s->m;
    unsigned offset = (unsigned)(s->pending >> ITER_OFFSET_SHIFT) & (BUCKET_SLOTS - 1);
    for (;;) {
        if (s->b) {
            s->b = *bucket_overflow(m, s->b);
        } else {
            if (s->steps == s->nbuckets) {
                s->m = NULL;
                return false;
            }
            size_t idx = (s->start + s->steps++) & (s->nbuckets - 1);
            prefetch_bucket(m, (idx + ITER_AHEAD) & (s->nbuckets - 1));
            s->b = chain_at(m, idx);
        }
        if (!s->b)
            continue;
        unsigned live = rotated_live_slots(s->b, offset);
        if (live) {
            s->pending = (uintptr_t)offset << ITER_OFFSET_SHIFT | live;
            s->keys = bucket_key(m, s->b, 0);
            return true;
        }
    }
}

/* The out-of-line step: what the inline one in hmap.h does, after moving
 * to the next bucket when the current one is used up.  (The parentheses
 * keep hmap.h's macro of the same name from applying.) */
bool (hmap_iter_next)(hmap_iter *it)
{
    struct iter_state *s = hmap__iter_state(it);
    it->key = NULL;
    it->val = NULL;
    if (!s->m)
        return false;
    if (!(s->pending & 0xff) && !next_bucket(s))
        return false;
    return hmap__iter_next_inline(it);
}

void hmap_iter_del(hmap_iter *it)
{
    struct iter_state *s = hmap__iter_state(it);
    if (!s->m || !it->key)
        return;
    unsigned slot = (unsigned)(((const char *)it->key - s->keys) / s->stride);
    hmap__delete_slot(s->m, s->b, slot);
    it->key = NULL;
    it->val = NULL;
}
