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
    s->offset = (uint32_t)(r >> 61);
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
}

bool hmap_iter_next(hmap_iter *it)
{
    struct iter_state *s = hmap__iter_state(it);
    struct hmap *m = s->m;
    it->key = NULL;
    it->val = NULL;
    if (!m)
        return false;
    for (;;) {
        if (!s->b) {
            if (s->steps == s->nbuckets) {
                s->m = NULL;
                return false;
            }
            size_t idx = (s->start + s->steps++) & (s->nbuckets - 1);
            prefetch_bucket(m, (idx + ITER_AHEAD) & (s->nbuckets - 1));
            s->b = chain_at(m, idx);
            s->i = 0;
            continue;
        }
        while (s->i < BUCKET_SLOTS) {
            unsigned slot = (s->i++ + s->offset) & (BUCKET_SLOTS - 1);
            if ((uint8_t)s->b[slot] >= TAG_MIN) {
                s->slot = slot;
                it->key = bucket_key(m, s->b, slot);
                it->val = m->type.val_size ? bucket_val(m, s->b, slot) : NULL;
                return true;
            }
        }
        s->b = *bucket_overflow(m, s->b);
        s->i = 0;
    }
}

void hmap_iter_del(hmap_iter *it)
{
    struct iter_state *s = hmap__iter_state(it);
    if (!s->m || !it->key)
        return;
    hmap__delete_slot(s->m, s->b, s->slot);
    it->key = NULL;
    it->val = NULL;
}
