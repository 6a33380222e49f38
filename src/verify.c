/*
 * verify.c - hmap_verify: a full check of the invariants listed in
 * hmap_internal.h.  It reads every bucket and rehashes every key, so it
 * costs as much as an iteration plus a lookup of every entry; it is meant
 * for tests and debugging, not for production paths.
 */
#include "hmap_internal.h"

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

struct walk {
    size_t live;        /* live slots seen */
    size_t budget;      /* overflow buckets that may still be walked (cycle guard) */
    size_t overflow;    /* overflow buckets seen in the chains of the current array */
    hmap__misplaced_fn *misplaced; /* told of a key not where its hash puts it, or NULL */
};

static bool check_array_header(const struct hmap *m, const struct hmap_array *a, const char *which)
{
    if (a->magic != HMAP_ARRAY_MAGIC)
        return fail(m, "%s array %p has a bad magic", which, (const void *)a);
    if (a->owner != m)
        return fail(m, "%s array %p belongs to map %p", which, (const void *)a, (const void *)a->owner);
    if (a->generation == 0 || a->generation > m->generation)
        return fail(m, "%s array generation %llu, map generation %llu", which,
                    (unsigned long long)a->generation, (unsigned long long)m->generation);
    if (a->nbuckets == 0 || (a->nbuckets & (a->nbuckets - 1)) != 0)
        return fail(m, "%s array has %zu buckets", which, a->nbuckets);
    size_t nfree = 0;
    for (char *b = a->free_ovf; b; b = *bucket_overflow(m, b)) {
        if (nfree++ == a->nfree_ovf)
            return fail(m, "%s array has more free overflow buckets than %zu (cycle?)", which,
                        a->nfree_ovf);
        if (bucket_tags(b) != 0)
            return fail(m, "%s array: a free overflow bucket has a live slot", which);
    }
    if (nfree != a->nfree_ovf)
        return fail(m, "%s array has %zu free overflow buckets, not %zu", which, nfree, a->nfree_ovf);
    return true;
}

/* A split byte holds, under its leading 1, the hash bits from the bucket
 * index upwards (an array of n buckets). */
static bool split_bits_match(uint8_t split, uint64_t h, size_t n)
{
    if (split == 0)
        return false;
    unsigned k = 31u - (unsigned)__builtin_clz(split);
    uint64_t mask = ((uint64_t)1 << k) - 1;
    return (split & mask) == ((h >> __builtin_ctzll(n)) & mask);
}

/* Checks the chain of bucket `idx` in an array of `n` buckets: tags valid,
 * every key placed by its hash, no key twice. */
static bool check_chain(const struct hmap *m, char *head, size_t idx, size_t n, struct walk *w)
{
    for (char *b = head; b; b = *bucket_overflow(m, b)) {
        if (b != head && w->budget-- == 0)
            return fail(m, "bucket %zu: overflow chain longer than all overflow buckets (cycle?)", idx);
        w->overflow += b != head;
        for (unsigned i = 0; i < BUCKET_SLOTS; i++) {
            uint8_t tag = (uint8_t)b[i];
            if (tag == TAG_EMPTY)
                continue;
            char *key = bucket_key(m, b, i);
            uint64_t h = hmap__key_hash(m, key);
            if ((h & (n - 1)) != idx || tag_of(h) != tag) {
                if (w->misplaced)
                    w->misplaced(m, key);
                return fail(m, "bucket %zu slot %u: key hashes to bucket %zu tag %u (modified after insertion?)",
                            idx, i, (size_t)(h & (n - 1)), tag_of(h));
            }
            if (m->layout.split_off && !split_bits_match(bucket_split(m, b)[i], h, n))
                return fail(m, "bucket %zu slot %u: split bits %#x do not match the hash",
                            idx, i, bucket_split(m, b)[i]);
            w->live++;
            for (char *c = b; c; c = *bucket_overflow(m, c))
                for (unsigned j = (c == b ? i + 1 : 0); j < BUCKET_SLOTS; j++)
                    if ((uint8_t)c[j] == tag && hmap__key_equal(m, bucket_key(m, c, j), key))
                        return fail(m, "bucket %zu: a key is stored twice", idx);
        }
    }
    return true;
}

static bool is_empty_chain(const struct hmap *m, char *b)
{
    return bucket_tags(b) == 0 && *bucket_overflow(m, b) == NULL;
}

static bool check_growth(const struct hmap *m, struct walk *w)
{
    const struct hmap_array *old = m->old, *cur = m->buckets;
    uint32_t bs = m->layout.bucket_size;
    size_t oldn = old->nbuckets;
    if (!check_array_header(m, old, "old"))
        return false;
    if (m->growing_same_size ? cur->nbuckets != oldn : cur->nbuckets != 2 * oldn)
        return fail(m, "growing from %zu to %zu buckets", oldn, cur->nbuckets);
    if (m->nevacuate >= oldn)
        return fail(m, "growth finished (%zu of %zu) but the old array is kept", m->nevacuate, oldn);
    w->budget += old->noverflow;
    /* A copying growth's old chains take their overflow buckets from the
     * old array, whose count also holds those of evacuated chains. */
    size_t overflow_before = w->overflow;
    for (size_t oi = 0; oi < oldn; oi++) {
        char *ob = unevacuated_old_chain(m, oi);
        if (!ob)
            continue;
        /* Growing in place, the lower new bucket is the old one itself. */
        bool in_place = bucket_at(cur, oi, bs) == ob;
        if ((!in_place && !is_empty_chain(m, bucket_at(cur, oi, bs))) ||
            (!m->growing_same_size && !is_empty_chain(m, bucket_at(cur, oi + oldn, bs))))
            return fail(m, "old bucket %zu not evacuated but its new buckets hold entries", oi);
        if (!check_chain(m, ob, oi, oldn, w))
            return false;
    }
    if (!is_view(old))
        w->overflow = overflow_before;
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
    if (!m->buckets) {
        if (m->old || m->count)
            return fail(m, "no bucket array but %zu entries", m->count);
        return true;
    }
    const struct hmap_array *cur = m->buckets;
    if (!check_array_header(m, cur, "current"))
        return false;
    if (cur->nbuckets != ((size_t)1 << m->B))
        return fail(m, "B is %u but the array has %zu buckets", m->B, cur->nbuckets);

    if (m->retiring && !check_array_header(m, m->retiring, "retiring"))
        return false;
    if (m->evacuated[0] || m->evacuated[1])
        return fail(m, "an array emptied by a write was not retired when the write ended");
    struct walk w = { 0, cur->noverflow, 0, misplaced };
    if (m->old && !check_growth(m, &w))
        return false;
    uint32_t bs = m->layout.bucket_size;
    for (size_t i = 0; i < cur->nbuckets; i++) {
        if (m->old && unevacuated_old_chain(m, i))
            continue; /* empty, or the old bucket itself: check_growth saw to it */
        if (!check_chain(m, bucket_at(cur, i, bs), i, cur->nbuckets, &w))
            return false;
    }
    if (w.live != m->count)
        return fail(m, "count is %zu but %zu slots are live", m->count, w.live);
    if (w.overflow != cur->noverflow)
        return fail(m, "%zu overflow buckets handed out but %zu in chains", cur->noverflow,
                    w.overflow);
    return true;
}
