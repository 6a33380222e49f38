/*
 * lookup.h - the read path, inline: hashing and comparing a key by its
 * kind, finding the bucket that holds a hash, probing its chain.  The core
 * (hmap.c) instantiates it once per key kind; the checked runtime
 * (instrument/checked.c) instantiates it inside its own entry points, so
 * that a checked lookup is one function with its checks around the probe
 * rather than a wrapper calling the plain one.
 */
#ifndef HMAP_LOOKUP_H
#define HMAP_LOOKUP_H

#include "hmap_internal.h"
#include "hash.h"

#pragma GCC visibility push(hidden)

HMAP_INLINE uint64_t key_hash(const struct hmap *m, const void *key, enum key_kind kind)
{
    switch (kind) {
    case KIND_U64:
        return hmap__hash_u64(hmap__load64(key), m->hash0);
    case KIND_U32:
        return hmap__hash_u64(hmap__load32(key), m->hash0);
    case KIND_CSTR:
        return hmap__hash_cstr(key, m->hash0);
    case KIND_GENERIC:
        break;
    }
    if (m->type.hash)
        return m->type.hash(key, m->hash0);
    return hmap__hash_bytes(key, m->type.key_size, m->hash0);
}

HMAP_INLINE bool key_equal(const struct hmap *m, const void *stored, const void *key,
                           enum key_kind kind)
{
    switch (kind) {
    case KIND_U64:
        return hmap__load64(stored) == hmap__load64(key);
    case KIND_U32:
        return hmap__load32(stored) == hmap__load32(key);
    case KIND_CSTR:
        return hmap__equal_cstr(key, stored);
    case KIND_GENERIC:
        break;
    }
    if (m->type.equal)
        return m->type.equal(key, stored);
    return memcmp(stored, key, m->type.key_size) == 0;
}

/* The bucket that holds `hash`: the old one until it has been evacuated.
 * *arrayp (if not NULL) is set to the array it lives in. */
HMAP_INLINE char *home_bucket(const struct hmap *m, uint64_t hash, struct hmap_array **arrayp)
{
    struct hmap_array *a = m->buckets;
    if (HMAP_UNLIKELY(m->old != NULL)) {
        char *ob = unevacuated_old_chain(m, hash);
        if (ob) {
            if (arrayp)
                *arrayp = m->old;
            return ob;
        }
    }
    if (arrayp)
        *arrayp = a;
    return bucket_at(a, hash & (a->nbuckets - 1), m->layout.bucket_size);
}

/* A hit reads the tags, then an entry: two dependent cache misses in a
 * large map.  Fetching the entries' lines while the tags arrive overlaps
 * them. */
HMAP_INLINE void prefetch_entries(const char *b)
{
    __builtin_prefetch(b + 64);
    __builtin_prefetch(b + 128);
}

/* Finds key in the chain starting at b; sets *bp and returns the slot index,
 * or returns -1. */
HMAP_INLINE int find_in_chain(const struct hmap *m, char **bp, const void *key, uint8_t tag,
                              enum key_kind kind)
{
    for (char *b = *bp; b; b = *bucket_overflow(m, b)) {
        for (uint64_t mt = tags_matching(bucket_tags(b), tag); mt; mt &= mt - 1) {
            unsigned i = first_match(mt);
            if (HMAP_LIKELY(key_equal(m, bucket_key(m, b, i), key, kind))) {
                *bp = b;
                return (int)i;
            }
        }
    }
    return -1;
}

HMAP_INLINE void *lookup(const struct hmap *m, const void *key, enum key_kind kind)
{
    uint64_t h = key_hash(m, key, kind);
    char *b = home_bucket(m, h, NULL);
    prefetch_entries(b);
    int i = find_in_chain(m, &b, key, tag_of(h), kind);
    return i < 0 ? NULL : bucket_val(m, b, (unsigned)i);
}

#pragma GCC visibility pop

#endif /* HMAP_LOOKUP_H */
