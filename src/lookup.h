/*
 * lookup.h - the read path, inline: hashing and comparing a key by its
 * kind, finding the table that holds a hash, probing its groups.  The core
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
        return hmap__remix(m->type.hash(key, m->hash0));
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

/* The probe beyond the first group, out of the hot path. */
static __attribute__((noinline)) char *find_beyond(const struct hmap *m,
                                                   const struct hmap_dir_entry *e, uint64_t hash,
                                                   const void *key, enum key_kind kind,
                                                   size_t *cpos)
{
    const uint8_t *ctrl = e->ctrl;
    char *slots = entry_slots(e);
    size_t groups = e->mask + 1, g = first_group(hash, groups);
    uint8_t tag = tag_of(hash), bit = overflow_bit(hash);
    for (size_t step = 1; step < groups; step++) {
        g = next_group(g, step, groups);
        const uint8_t *c = ctrl + g * GROUP_BYTES;
        for (slot_mask mt = group_match(c, tag); mt; mt &= mt - 1) {
            unsigned i = first_slot(mt);
            char *slot = slots + (g * GROUP_SLOTS + i) * m->layout.entry_size;
            if (HMAP_LIKELY(key_equal(m, slot, key, kind))) {
                if (cpos)
                    *cpos = g * GROUP_BYTES + i;
                return slot;
            }
        }
        if (!(group_overflow(c) & bit))
            break;
    }
    return NULL;
}

/* The first group of the probe for key (hash `hash`) in the table of
 * directory entry e: the key's slot, or NULL with *further set when keys
 * of this hash were pushed past the group (the probe goes on) and clear
 * when the key is absent.  *cpos (if cpos is not NULL) is set to the
 * slot's control byte index (a position as table.h's functions take it).
 * The first group is the common case, and kept short: the fewer
 * instructions a lookup takes, the more lookups of a loop the processor
 * keeps in flight, each waiting on its cache misses. */
HMAP_INLINE char *find_in_first_group(const struct hmap *m, const struct hmap_dir_entry *e,
                                      uint64_t hash, const void *key, enum key_kind kind,
                                      size_t *cpos, bool *further)
{
    size_t g = (size_t)hash & e->mask;
    const uint8_t *c = e->ctrl + g * GROUP_BYTES;
    char *slots = entry_slots(e) + g * (size_t)m->layout.group_stride;
    __builtin_prefetch(slots);
    for (slot_mask mt = group_match(c, tag_of(hash)); mt; mt &= mt - 1) {
        size_t i = first_slot(mt);
        char *slot = slots + i * m->layout.entry_size;
        if (HMAP_LIKELY(key_equal(m, slot, key, kind))) {
            if (cpos)
                *cpos = g * GROUP_BYTES + i;
            return slot;
        }
    }
    *further = (group_overflow(c) & overflow_bit(hash)) != 0;
    return NULL;
}

/* The slot of key (hash `hash`) in the table of directory entry e, or
 * NULL; *cpos as find_in_first_group's.  The probe stops at the first
 * group whose overflow bit for the hash is clear: no key of this hash was
 * ever pushed past it. */
HMAP_INLINE char *find_in_table(const struct hmap *m, const struct hmap_dir_entry *e,
                                uint64_t hash, const void *key, enum key_kind kind,
                                size_t *cpos)
{
    bool further = false;
    char *slot = find_in_first_group(m, e, hash, key, kind, cpos, &further);
    if (HMAP_LIKELY(slot != NULL || !further))
        return slot;
    return find_beyond(m, e, hash, key, kind, cpos);
}

/* The value of the key's entry past the probe's first group, or NULL.
 * It finds the directory entry again, so that the caller need not keep
 * it live (a register saved) for this rare case. */
static __attribute__((noinline)) void *find_value_beyond(const struct hmap *m, uint64_t hash,
                                                         const void *key, enum key_kind kind)
{
    char *slot = find_beyond(m, entry_of(m, hash), hash, key, kind, NULL);
    return slot ? slot + m->layout.val_off : NULL;
}

/* The value of key's entry, or NULL.  Past the first group the probe goes
 * on in a tail call, so that the common case keeps nothing live across a
 * call and saves no registers. */
HMAP_INLINE void *lookup(const struct hmap *m, const void *key, enum key_kind kind)
{
    uint64_t h = key_hash(m, key, kind);
    const struct hmap_dir_entry *e = entry_of(m, h);
    bool further = false;
    char *slot = find_in_first_group(m, e, h, key, kind, NULL, &further);
    if (slot)
        return slot + m->layout.val_off;
    if (HMAP_UNLIKELY(further))
        return find_value_beyond(m, h, key, kind);
    return NULL;
}

/* Whether key is past the first group, for contains; the directory
 * entry found again, as find_value_beyond does. */
static __attribute__((noinline)) bool found_beyond(const struct hmap *m, uint64_t hash,
                                                   const void *key, enum key_kind kind)
{
    return find_beyond(m, entry_of(m, hash), hash, key, kind, NULL) != NULL;
}

/* Whether the map holds key: lookup's probe, its result a bool, so that
 * the probe past the first group is a tail call here too. */
HMAP_INLINE bool contains(const struct hmap *m, const void *key, enum key_kind kind)
{
    uint64_t h = key_hash(m, key, kind);
    const struct hmap_dir_entry *e = entry_of(m, h);
    bool further = false;
    if (find_in_first_group(m, e, h, key, kind, NULL, &further))
        return true;
    if (HMAP_UNLIKELY(further))
        return found_beyond(m, h, key, kind);
    return false;
}

#pragma GCC visibility pop

#endif /* HMAP_LOOKUP_H */
