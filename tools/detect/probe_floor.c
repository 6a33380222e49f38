/*
 * probe_floor.c - how fast a lookup could be with hmap's layout (built as
 * build/tools/hmap-probe-floor).
 *
 * A lookup through the API is a call into the library, a switch on the
 * key kind, then the probe of lookup.h, which reads the map's fields
 * afresh each time.  To tell those costs from the layout's, this tool
 * times, per key, over a map of n uint64_t -> uint64_t entries, n
 * lookups of present keys (hits) and n of absent ones (misses), both
 * in a random order:
 *   - api: hmap_get / hmap_has;
 *   - inline: lookup.h's lookup() / contains() in the loop, no call;
 *   - hoisted: the probe of the key's first group written out, with the
 *     map's fields read once before the loop, a tag match followed by a
 *     load of the slot's key and a branch, as any probe must;
 *   - no-branch (misses only): the same, a tag match counted rather than
 *     followed, so that nothing waits on a slot or a predicted branch:
 *     the control bytes' cache misses and the arithmetic, nothing else;
 *   - flat: the hoisted probe over one flat table of the same keys,
 *     hash, tags and groups, with as many slots as the map's tables
 *     together, and no directory: the layout of the open-addressing
 *     tables (boost, Abseil) with hmap's probe.  What it saves is what
 *     the directory and the tables of bounded size cost.
 * It also counts how often a probe meets a tag that is not its key's: a
 * miss whose first group has a slot with its tag, a hit whose group has
 * another.  Each time is the median of 5 rounds.
 *
 *     hmap-probe-floor [n ...]     (default 200000 2000000)
 */
#include "lookup.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROUNDS = 5 };

static volatile uint64_t sink; /* keeps the loops' results alive */

typedef uint64_t probe_loop(const struct hmap *m, const uint64_t *keys, size_t n);

static __attribute__((noinline)) uint64_t hits_api(const struct hmap *m, const uint64_t *keys,
                                                   size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += hmap__load64(hmap_get(m, &keys[i]));
    return sum;
}

static __attribute__((noinline)) uint64_t hits_inline(const struct hmap *m,
                                                      const uint64_t *keys, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += hmap__load64(lookup(m, &keys[i], KIND_U64));
    return sum;
}

/* The map's fields that a probe reads, copied once before a loop, so
 * that the compiler keeps them in registers. */
struct hoisted {
    const struct hmap_dir_entry *dir;
    uint64_t seed;
    unsigned shift;
    size_t entry, stride;
};

static struct hoisted hoist(const struct hmap *m)
{
    struct hoisted f = { m->dir, m->hash0, m->dir_shift, m->layout.entry_size,
                         m->layout.group_stride };
    return f;
}

/* key's slot in the group whose control bytes are ctrl and whose
 * first slot is slots, or NULL. */
static inline const char *probe_group(const uint8_t *ctrl, const char *slots, size_t entry,
                                      uint64_t key, uint64_t h)
{
    __builtin_prefetch(slots);
    for (slot_mask mt = group_match(ctrl, tag_of(h)); mt; mt &= mt - 1) {
        const char *slot = slots + first_slot(mt) * entry;
        if (hmap__load64(slot) == key)
            return slot;
    }
    return NULL;
}

/* key's slot in the first group of its probe, or NULL; *ctrl is set to
 * that group's control bytes. */
static inline const char *probe_first_group(const struct hoisted *f, uint64_t key,
                                            uint64_t *hash, const uint8_t **ctrl)
{
    uint64_t h = hmap__hash_u64(key, f->seed);
    const struct hmap_dir_entry *e = &f->dir[(h >> 1) >> f->shift];
    size_t g = (size_t)h & e->mask;
    *hash = h;
    *ctrl = e->ctrl + g * GROUP_BYTES;
    return probe_group(*ctrl, entry_slots(e) + g * f->stride, f->entry, key, h);
}

/* The first group's probe with the fields hoisted: the sum of the values
 * found (a key past the first group, which the keys here seldom reach,
 * adds 0). */
static __attribute__((noinline)) uint64_t hits_hoisted(const struct hmap *m,
                                                       const uint64_t *keys, size_t n)
{
    struct hoisted f = hoist(m);
    size_t to_val = m->layout.val_off;
    uint64_t sum = 0, h;
    const uint8_t *ctrl;
    for (size_t i = 0; i < n; i++) {
        const char *slot = probe_first_group(&f, keys[i], &h, &ctrl);
        if (slot)
            sum += hmap__load64(slot + to_val);
    }
    return sum;
}

/* One flat table: groups of control bytes as the map's, then the slots
 * (key, value), as many groups as all the map's tables have together, so
 * that it is as full.  A key's first group is taken from the hash's high
 * half (the tag is its bits 24-31), by multiplication, since the count
 * of groups is no power of two; a full group sends a key on to the
 * next. */
struct flat {
    uint8_t *ctrl;
    uint64_t *slots; /* GROUP_SLOTS pairs a group */
    size_t groups;
    uint64_t seed;
};

static struct flat flat;

HMAP_INLINE size_t flat_group(const struct flat *f, uint64_t h)
{
    return (size_t)(((h >> 32) * f->groups) >> 32);
}

static bool flat_build(const struct hmap *m, const uint64_t *keys, size_t n)
{
    flat.groups = m->slots / GROUP_SLOTS;
    flat.seed = m->hash0;
    flat.ctrl = calloc(flat.groups, GROUP_BYTES);
    flat.slots = malloc(flat.groups * GROUP_SLOTS * 2 * sizeof *flat.slots);
    if (!flat.ctrl || !flat.slots || n > flat.groups * GROUP_SLOTS)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hmap__hash_u64(keys[i], flat.seed);
        size_t g = flat_group(&flat, h);
        while (!group_empty(flat.ctrl + g * GROUP_BYTES)) {
            flat.ctrl[g * GROUP_BYTES + GROUP_SLOTS] |= overflow_bit(h);
            g = g + 1 < flat.groups ? g + 1 : 0;
        }
        size_t s = first_slot(group_empty(flat.ctrl + g * GROUP_BYTES));
        flat.ctrl[g * GROUP_BYTES + s] = tag_of(h);
        flat.slots[2 * (g * GROUP_SLOTS + s)] = keys[i];
        flat.slots[2 * (g * GROUP_SLOTS + s) + 1] = i;
    }
    return true;
}

static void flat_free(void)
{
    free(flat.ctrl);
    free(flat.slots);
}

/* As probe_first_group, in the flat table. */
static inline const uint64_t *flat_first_group(const struct flat *f, uint64_t key,
                                               uint64_t *hash, const uint8_t **ctrl)
{
    uint64_t h = hmap__hash_u64(key, f->seed);
    size_t g = flat_group(f, h);
    *hash = h;
    *ctrl = f->ctrl + g * GROUP_BYTES;
    const char *slots = (const char *)(f->slots + 2 * GROUP_SLOTS * g);
    return (const uint64_t *)(const void *)probe_group(*ctrl, slots, 2 * sizeof *f->slots, key, h);
}

/* The flat table's loops: hits sum the values found; misses count the
 * keys found and test the overflow bit, as misses_hoisted does. */
static inline uint64_t flat_loop(const uint64_t *keys, size_t n, bool hits)
{
    struct flat f = flat;
    uint64_t acc = 0, h;
    const uint8_t *ctrl;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *slot = flat_first_group(&f, keys[i], &h, &ctrl);
        if (hits) {
            acc += slot ? slot[1] : 0;
        } else {
            acc += slot != NULL;
            if (group_overflow(ctrl) & overflow_bit(h))
                __asm__ volatile("");
        }
    }
    return acc;
}

static __attribute__((noinline)) uint64_t hits_flat(const struct hmap *m, const uint64_t *keys,
                                                    size_t n)
{
    (void)m;
    return flat_loop(keys, n, true);
}

static __attribute__((noinline)) uint64_t misses_flat(const struct hmap *m, const uint64_t *keys,
                                                      size_t n)
{
    (void)m;
    return flat_loop(keys, n, false);
}

static __attribute__((noinline)) uint64_t misses_api(const struct hmap *m,
                                                     const uint64_t *keys, size_t n)
{
    uint64_t found = 0;
    for (size_t i = 0; i < n; i++)
        found += hmap_has(m, &keys[i]);
    return found;
}

static __attribute__((noinline)) uint64_t misses_inline(const struct hmap *m,
                                                        const uint64_t *keys, size_t n)
{
    uint64_t found = 0;
    for (size_t i = 0; i < n; i++)
        found += contains(m, &keys[i], KIND_U64);
    return found;
}

/* As hits_hoisted, with the overflow bit tested (a miss ends there). */
static __attribute__((noinline)) uint64_t misses_hoisted(const struct hmap *m,
                                                         const uint64_t *keys, size_t n)
{
    struct hoisted f = hoist(m);
    uint64_t found = 0, h;
    const uint8_t *ctrl;
    for (size_t i = 0; i < n; i++) {
        found += probe_first_group(&f, keys[i], &h, &ctrl) != NULL;
        /* an empty asm keeps this a branch, as in the real probe */
        if (group_overflow(ctrl) & overflow_bit(h))
            __asm__ volatile("");
    }
    return found;
}

/* No branch on what the control bytes hold: a tag match is counted. */
static __attribute__((noinline)) uint64_t misses_no_branch(const struct hmap *m,
                                                           const uint64_t *keys, size_t n)
{
    struct hoisted f = hoist(m);
    uint64_t matched = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hmap__hash_u64(keys[i], f.seed);
        const struct hmap_dir_entry *e = &f.dir[(h >> 1) >> f.shift];
        const uint8_t *c = e->ctrl + ((size_t)h & e->mask) * GROUP_BYTES;
        matched += group_match(c, tag_of(h)) != 0;
    }
    return matched;
}

/* The share of keys whose first group holds a tag equal to theirs in a
 * slot that is not their entry's: `present` keys have one slot of their
 * own to discount. */
static double tag_collisions(const struct hmap *m, const uint64_t *keys, size_t n, bool present)
{
    size_t met = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hmap__key_hash(m, &keys[i]);
        const struct hmap_dir_entry *e = entry_of(m, h);
        slot_mask mt = group_match(e->ctrl + ((size_t)h & e->mask) * GROUP_BYTES, tag_of(h));
        met += (size_t)__builtin_popcount(mt) > (present ? 1u : 0u);
    }
    return 100.0 * (double)met / (double)n;
}

/* Median ns per key of `loop` over keys. */
static double time_loop(probe_loop *loop, const struct hmap *m, const uint64_t *keys, size_t n)
{
    double ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        sink += loop(m, keys, n);
        ns[r] = (now_ns() - t0) / (double)n;
    }
    return median_round(ns, ROUNDS);
}

static uint64_t next_key(uint64_t *state)
{
    return hmap__splitmix64(state);
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = { "200000", "2000000" };
    const char *const *sizes = argc > 1 ? (const char *const *)argv + 1 : defaults;
    int nsizes = argc > 1 ? argc - 1 : 2;
    printf("ns per lookup, median of %d rounds (uint64_t -> uint64_t, random keys):\n", ROUNDS);
    printf("%10s | %8s %8s %8s %8s %10s | %8s %8s %8s %8s %10s %10s\n", "", "hit: api",
           "inline", "hoisted", "flat", "other tag", "miss: api", "inline", "hoisted", "flat",
           "no-branch", "other tag");
    for (int s = 0; s < nsizes; s++) {
        size_t n = strtoull(sizes[s], NULL, 10);
        uint64_t *present = malloc(n * sizeof *present), *absent = malloc(n * sizeof *absent);
        hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
        if (!present || !absent || !m) {
            perror("hmap-probe-floor");
            return 1;
        }
        /* one splitmix64 stream: its outputs are distinct, so the absent
         * keys are */
        uint64_t state = 0x70726f6265u ^ n;
        for (size_t i = 0; i < n; i++) {
            present[i] = next_key(&state);
            absent[i] = next_key(&state);
            if (hmap_set(m, &present[i], &i) != 0) {
                perror("hmap-probe-floor: hmap_set");
                return 1;
            }
        }
        for (size_t i = n; i > 1; i--) { /* look the keys up in another order */
            size_t j = (size_t)(next_key(&state) % i);
            uint64_t k = present[i - 1];
            present[i - 1] = present[j];
            present[j] = k;
        }
        const struct hmap *in = m;
        if (!flat_build(m, present, n)) {
            perror("hmap-probe-floor: the flat table");
            return 1;
        }
        printf("n=%8zu | %8.1f %8.1f %8.1f %8.1f %9.1f%% | %9.1f %8.1f %8.1f %8.1f %10.1f "
               "%9.1f%%\n",
               n, time_loop(hits_api, in, present, n), time_loop(hits_inline, in, present, n),
               time_loop(hits_hoisted, in, present, n), time_loop(hits_flat, in, present, n),
               tag_collisions(in, present, n, true), time_loop(misses_api, in, absent, n),
               time_loop(misses_inline, in, absent, n), time_loop(misses_hoisted, in, absent, n),
               time_loop(misses_flat, in, absent, n), time_loop(misses_no_branch, in, absent, n),
               tag_collisions(in, absent, n, false));
        flat_free();
        hmap_free(m);
        free(present);
        free(absent);
    }
    return 0;
}
