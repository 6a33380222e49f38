/*
 * iter.c - iteration in random order, correct at every point of a growth.
 *
 * An iteration walks the bucket indexes of the current array starting at a
 * random one, and the slots of each bucket starting at a random offset, as
 * Go does.  While a growth is in progress, a new bucket whose old bucket has
 * not been evacuated yet is empty (or, growing in place, is that old
 * bucket): its entries still live in the old bucket, which is walked
 * instead, once, when the lower of the two new indexes it feeds comes up.
 * No growth work happens during an iteration (the only write allowed then
 * is hmap_iter_del, which empties a slot in place), so the walk sees a
 * structure that does not move.
 *
 * Arriving at a run of consecutive buckets (as many as a machine word has
 * bytes, 8 on 64-bit targets), the iterator takes down which of their slots
 * are live, as a bit mask in visiting order, a byte per bucket; the steps
 * within the run are then the inline hmap__iter_next_inline of hmap.h, with
 * no call and no read of the buckets' tags.  A run ends early at a bucket
 * with an overflow chain, whose buckets are then walked one per run, and
 * while a growth is in progress every run is a single chain's bucket.  This
 * file does the rest: starting, gathering the runs, and deleting the
 * current entry.
 */
#include "hmap_internal.h"

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
    if (!m || m->count == 0 || !m->buckets) {
        s->m = NULL;
        return;
    }
    uint64_t r = hmap__random64();
    s->nbuckets = m->buckets->nbuckets;
    s->start = (size_t)r & (s->nbuckets - 1);
    s->offset = (uintptr_t)(r >> 61);
    s->stride = m->layout.entry_size;
    s->bucket_stride = m->layout.bucket_size;
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

/* The walk is sequential but slow, an entry per step with the caller's
 * work in between, and starts at a random bucket: the hardware prefetcher
 * picks it up late, so a large map's iteration would wait on every
 * bucket.  Fetching the next run while this one is walked keeps it
 * streaming. */
static void prefetch_span(const char *b, size_t bytes)
{
    const char *end = b + bytes;
    for (; b < end; b += 64)
        __builtin_prefetch(b);
    __builtin_prefetch(end - 1);
}

static void prefetch_buckets(const struct hmap *m, size_t idx, size_t n)
{
    prefetch_span(bucket_at(m->buckets, idx, m->layout.bucket_size), n * m->layout.bucket_size);
}

/* The live slots of bucket b, as a byte of the inline step's mask: bit i
 * for slot (i + offset) % 8. */
static uintptr_t rotated_live_slots(const char *b, unsigned offset)
{
    /* Bit 7 of each byte says "live"; the multiply gathers the eight of
     * them into the top byte, slot i at bit 56 + i. */
    uint64_t live_bytes = ~tags_matching(bucket_tags(b), TAG_EMPTY) & 0x8080808080808080ull;
    unsigned live = (unsigned)(((live_bytes >> 7) * 0x0102040810204080ull) >> 56);
    return ((live >> offset) | (live << (BUCKET_SLOTS - offset))) & 0xffu;
}

/* Makes bucket b, alone, the run the inline step walks.  False if it has
 * no live slot. */
static bool walk_one(struct iter_state *s, char *b)
{
    s->pending = rotated_live_slots(b, (unsigned)s->offset);
    s->keys = bucket_key(s->m, b, 0);
    return s->pending != 0;
}

/* Makes the buckets from index idx on a run: up to ITER_RUN of them, not
 * past the last index of the array or of the iteration, and up to the
 * first with an overflow chain, which is walked next.  False if the run
 * has no live slot. */
static bool walk_run(struct iter_state *s, size_t idx)
{
    const struct hmap *m = s->m;
    size_t n = s->nbuckets - s->steps;
    if (n > s->nbuckets - idx)
        n = s->nbuckets - idx;
    if (n > ITER_RUN)
        n = ITER_RUN;
    size_t ahead = (idx + n) & (s->nbuckets - 1);
    prefetch_buckets(m, ahead, n < s->nbuckets - ahead ? n : s->nbuckets - ahead);

    char *first = bucket_at(m->buckets, idx, m->layout.bucket_size);
    uintptr_t pending = 0;
    size_t k = 0;
    while (k < n) {
        char *b = first + k * m->layout.bucket_size;
        pending |= rotated_live_slots(b, (unsigned)s->offset) << (8 * k);
        k++;
        if (*bucket_overflow(m, b)) {
            s->chain = b;
            break;
        }
    }
    s->steps += k;
    s->pending = pending;
    s->keys = bucket_key(m, first, 0);
    return pending != 0;
}

/* Moves to the next run that has live slots: the rest of the current
 * overflow chain, then the next bucket indexes.  False at the end. */
static bool next_run(struct iter_state *s)
{
    struct hmap *m = s->m;
    for (;;) {
        if (s->chain) {
            s->chain = *bucket_overflow(m, s->chain);
            if (s->chain && walk_one(s, s->chain))
                return true;
            continue;
        }
        if (s->steps == s->nbuckets) {
            s->m = NULL;
            return false;
        }
        size_t idx = (s->start + s->steps) & (s->nbuckets - 1);
        if (!m->old) {
            if (walk_run(s, idx))
                return true;
            continue;
        }
        s->steps++;
        char *ahead = chain_at(m, (idx + ITER_RUN) & (s->nbuckets - 1));
        if (ahead)
            prefetch_span(ahead, m->layout.bucket_size);
        s->chain = chain_at(m, idx);
        if (s->chain && walk_one(s, s->chain))
            return true;
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
    size_t from_run = (size_t)((const char *)it->key - s->keys);
    size_t k = from_run / s->bucket_stride;
    unsigned slot = (unsigned)((from_run - k * s->bucket_stride) / s->stride);
    char *b = s->keys - s->m->layout.key_off + k * s->bucket_stride;
    hmap__delete_slot(s->m, b, slot);
    it->key = NULL;
    it->val = NULL;
}
