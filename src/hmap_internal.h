/*
 * hmap_internal.h - the data structure behind hmap.h, shared by the core
 * (src/) and the checked runtime (instrument/).
 *
 * A map is a Go-style header (struct hmap) pointing at a bucket array.  A
 * bucket array is the unit of allocation: a header (struct hmap_array) that
 * names its owning map and its generation, then 2^B buckets, then a small
 * pool of overflow buckets.  Overflow buckets beyond the pool come from
 * further chunks that hang off the same array header, so that an array and
 * everything it owns are retired together.  A plain map's large array is
 * instead an address-space reservation with room to double in place; its
 * overflow buckets all come from chunks.
 *
 * A bucket holds 8 slots:
 *
 *     uint8_t  tophash[8];        one tag byte per slot (top hash bits)
 *     bucket  *overflow;          the next bucket of the chain
 *     uint8_t  split[8];          only for keys costly to hash (see below)
 *     struct { K key; V val; } entries[8];   at layout.key_off / val_off,
 *                                            stride layout.entry_size
 *
 * The tags and the link share a cache line, and each key sits beside its
 * value, so a lookup that hits touches two lines.
 *
 * Evacuation must know, for every key it moves, the one hash bit that
 * picks its new bucket.  For integer keys it simply hashes the key again.
 * For C strings and keys with a user hash function that means reading the
 * string or calling the user, a cache miss or worse per entry; those maps
 * keep "split bits" instead: for each slot, the hash bits just above the
 * bucket index, B upwards, under a leading 1 that marks how many are left
 * (0x80 | 7 bits when the entry is placed).  Each doubling consumes the
 * lowest bit; only an entry that has run out (after seven doublings) is
 * hashed again.
 *
 * The 8 tag bytes are read as one 64-bit word and matched all at once with
 * SWAR arithmetic.  A tag is the top byte of the hash, moved above
 * TAG_EMPTY (0) so that a live slot is never mistaken for a free one.
 *
 * Growth is incremental, as in Go: when the load factor (6.5 entries per
 * bucket) is exceeded the map allocates an array twice as large and keeps
 * the old one in `old` (or, for a reservation, makes its next half usable
 * and keeps a view of the lower half in `old`: see "growing in place" in
 * grow.c).  Each later write evacuates the next two old
 * buckets in order (Go evacuates the bucket being written to plus one in
 * order; strictly in order keeps the memory traffic of a growth sequential,
 * and makes "evacuated" a comparison with `nevacuate` instead of a flag in
 * memory).  No single write moves more than two chains.  While growing, old
 * bucket i feeds new buckets i and i + 2^(B-1); lookups and insertions use
 * the old bucket until it has been evacuated.  When overflow buckets pile up
 * (many deletions), the map "grows" into an array of the same size to
 * compact them.  A large old array is given back to the kernel in steps as
 * well: its evacuated part during the growth, the rest ("retiring") a step
 * per write after it, so that no write unmaps tens of megabytes (a
 * reservation's lower half is not given back: it is the new array's).
 * Whatever a write frees, it frees when it ends, after its last read of the
 * key argument, which may point into the map; the one exception, a split in
 * place packing a chain, leaves alone the chain that holds the key.
 *
 * Invariants (checked by hmap_verify):
 *  - count is the number of live slots in the new array's buckets whose old
 *    bucket has been evacuated (all of them, when not growing) plus those in
 *    old buckets not yet evacuated;
 *  - every live key in bucket i of an array of 2^b buckets has
 *    hash & (2^b - 1) == i and its tag is tag_of(hash);
 *  - where a map keeps split bits, a slot's byte 1xxx (k bits under the
 *    leading 1) holds the k hash bits from bit b upwards;
 *  - while growing, old buckets below `nevacuate` have been evacuated (they
 *    are never read again), and the new buckets fed by an old bucket at or
 *    above `nevacuate` are empty, except the lower one of a growth in
 *    place, which is that old bucket itself;
 *  - an array's free overflow buckets (given back by splits in place) are
 *    empty and as many as it counts, and the overflow buckets linked into
 *    the chains it serves are as many as it has handed out (noverflow);
 *  - an array's header names the map that owns it.
 *
 * Words used across the core:
 *  - array: a bucket array with its header and overflow pool, the unit of
 *    allocation and of retirement; its generation orders it among the
 *    map's arrays;
 *  - chunk: further overflow buckets, allocated when an array's own pool
 *    runs out, hanging off the array's header;
 *  - reservation: address space for an array that grows in place, of
 *    which only the part in use is accessible;
 *  - view: the lower half of a reservation seen as the old array during a
 *    growth in place; it owns no memory;
 *  - evacuated: an old bucket whose entries have moved to the new array
 *    (old buckets below `nevacuate`); `evacuated[]` are old arrays that a
 *    write emptied, retired when the write ends;
 *  - retired: an array the map no longer uses, handed to the hooks or
 *    freed; `retiring` is a large one given back a step per write;
 *  - followed: an entry whose value slot hmap_put returns, tracked through
 *    the moves of the write that returns it;
 *  - hooks: the table a checked map carries (hmap_hooks.h), asked by name.
 *
 * The `checked` member is the checked build's per-map state.  It is present
 * in both builds so that translation units compiled with and without
 * HMAP_CHECKED agree on the layout and can share maps.
 */
#ifndef HMAP_INTERNAL_H
#define HMAP_INTERNAL_H

#include "alloc.h"
#include "compiler.h"
#include "hmap.h"
#include "hmap_hooks.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Everything declared from here on is internal to the library: hidden, so
 * that calls between its files are direct rather than through the PLT and
 * nothing here becomes part of the ABI. */
#pragma GCC visibility push(hidden)


enum {
    BUCKET_SLOTS = 8,
    TAG_EMPTY = 0,
    TAG_MIN = 1,
    /* 2^56 buckets, far beyond any real allocation; 2^28 where size_t has
     * 32 bits, so that 13 * 2^(B-1), the load limit, still fits in it */
    MAX_B = sizeof(size_t) >= 8 ? 56 : 28,
    MAX_ALIGN = 4096,
};

/* Load factor 6.5 = 13/2 entries per bucket, as in Go. */
#define LOAD_NUM 13
#define LOAD_DEN 2

/* Magic tags at the start of a map header. */
#define HMAP_MAGIC_LIVE 0x686d61704c495645ull  /* "hmapLIVE" */
#define HMAP_MAGIC_FREED 0x686d617046524545ull /* "hmapFREE" */
#define HMAP_ARRAY_MAGIC 0x686d617041525259ull /* "hmapARRY" */

/* How keys are hashed and compared; chosen once in hmap_new so that the hot
 * paths can be specialised for the common cases. */
enum key_kind {
    KIND_GENERIC, /* type.hash / type.equal, or bytes of any size */
    KIND_U32,     /* 4-byte keys, default hash and equality */
    KIND_U64,     /* 8-byte keys, default hash and equality */
    KIND_CSTR,    /* HMAP_TYPE_CSTR */
};

struct hmap_layout {
    uint32_t bucket_size;
    uint32_t bucket_align;
    uint32_t key_off;
    uint32_t entry_size;        /* key, padding, value, padding */
    uint32_t val_off;
    uint32_t ovf_off;
    uint32_t split_off;         /* the split bits, or 0 if the map keeps none */
};

/* A chunk of overflow buckets allocated after the array's own pool ran out. */
struct hmap_ovf_chunk {
    struct hmap_ovf_chunk *next;
    size_t bytes;
    size_t released;            /* bytes after this header given back while retiring */
};

struct hmap_array {
    uint64_t magic;                 /* HMAP_ARRAY_MAGIC */
    uint64_t generation;            /* the owner's generation when allocated */
    const struct hmap *owner;
    size_t nbuckets;                /* 2^B regular buckets */
    size_t bytes;                   /* size of this allocation (its usable part, for a
                                       reservation); 0 for a view (growing in place) */
    size_t reserved;                /* address space reserved, or 0: not a reservation */
    size_t prefaulted;              /* growing in place: bytes from the header on faulted in */
    size_t noverflow;               /* overflow buckets handed out */
    size_t released;                /* bytes from `first` given back to the kernel */
    char *first;                    /* bucket 0 */
    char *pool_next, *pool_end;     /* overflow buckets never handed out yet */
    struct hmap_ovf_chunk *chunks;  /* further overflow memory */
    char *free_ovf;                 /* overflow buckets given back by splits in place,
                                       linked through their overflow field */
    size_t nfree_ovf;
};

/* Per-map state of the checked build (instrument/).  Plain callers never
 * touch it; it is zero in maps created by them. */
struct hmap_checked_state {
    uint64_t owner;             /* thread id inside a write, 0 if none (relaxed atomics) */
    uint64_t write_seq;         /* odd while a write is in progress */
    uint64_t modcount;          /* bumped by every write; iterators compare it */
    uint64_t last_writer;       /* thread id of the last write */
    uint64_t last_reader;       /* thread id of a recent read (sampled), 0 once a write used it */
    uint64_t read_linger_mark;  /* modcount when a reader last lingered */
    const void *last_write_site;
    const void *create_site;
    uint64_t creator;           /* thread id that created the map */
    uint64_t relocate_countdown;/* writes until the next relocation (relocate=) */
    uint64_t tsan_word;         /* ThreadSanitizer's view of the map; no atomics touch it */
    uint64_t trap_end_ns;       /* when an operation's trap on the map ended (0: none since) */
    uint64_t trapper;           /* thread id of that trap */
    void *trap_site;            /* its call-site record (instrument/trap.c) */
    uint64_t trap_quiet_until;  /* no traps on the map before this time (ns) */
    uint8_t trap_waited;        /* traps on the map that another thread waited out */
};

struct hmap {
    uint64_t magic;
    size_t count;               /* live entries; first so hmap_len is one load */
    uint8_t B;                  /* log2 of the bucket count (the capacity, even before allocation) */
    uint8_t kind;               /* enum key_kind */
    uint8_t growing_same_size;  /* the growth in progress keeps the bucket count */
    uint8_t no_same_size_grow;  /* a same-size growth did not help: don't repeat it */
    uint32_t growths;           /* growths started, same-size ones and relocations included */
    uint8_t poisons_slots;      /* deleted slots carry poison that hooks lift (ASan) */
    uint64_t hash0;             /* per-map seed, re-randomised when the map empties */
    struct hmap_array *buckets; /* NULL until the first insertion */
    struct hmap_array *old;     /* non-NULL while growing */
    struct hmap_array *retiring;/* a plain map's large old array, given back a step per write */
    struct hmap_array *evacuated[2]; /* old arrays a write emptied, retired when it ends */
    size_t nevacuate;           /* old buckets below this are evacuated */
    uint64_t generation;        /* bumped for every array allocated */
    const struct hmap_hooks *hooks; /* NULL: plain map */
    char *followed;             /* an entry whose moves evacuation reports here (hmap_put), or NULL */
    struct hmap_layout layout;
    hmap_type type;
    struct hmap_checked_state checked;
};

/* Told of a key found where its hash does not put it (hmap_verify, growth). */
typedef void hmap__misplaced_fn(const struct hmap *m, const void *key);

/* ---- the seam: what a map's hooks ask of the core ---------------------
 * The core asks these by name instead of testing m->hooks, so that the
 * policy a hook table brings is written here once, and another user of
 * the hooks gets exactly what it asks for.  A plain map (no hooks) asks
 * for nothing. */

/* Bucket arrays come from the hooks (array_alloc) and go back to them
 * whole (array_retire): the core may not grow them in place, keep them
 * as a reservation, or give their pages back a step at a time. */
HMAP_INLINE bool hooks_own_arrays(const struct hmap *m)
{
    return m->hooks != NULL && m->hooks->array_alloc != NULL;
}

/* Every key that growth or relocation moves is hashed again and compared
 * with where it was (key_misplaced), rather than placed by its split bits. */
HMAP_INLINE bool hooks_verify_moved_keys(const struct hmap *m)
{
    return m->hooks != NULL && m->hooks->key_misplaced != NULL;
}

/* Told after each write that changed the map (write_done). */
HMAP_INLINE bool hooks_notice_writes(const struct hmap *m)
{
    return m->hooks != NULL && m->hooks->write_done != NULL;
}

/* The byte deleted slots are filled with, or -1: left as they are. */
HMAP_INLINE int hooks_deleted_fill(const struct hmap *m)
{
    return m->hooks != NULL ? m->hooks->deleted_fill : -1;
}

/* hmap_free leaves the header to the hooks (map_free). */
HMAP_INLINE bool hooks_keep_freed_header(const struct hmap *m)
{
    return m->hooks != NULL && m->hooks->map_free != NULL;
}

/* The hook told of a misplaced key, or NULL. */
HMAP_INLINE hmap__misplaced_fn *hooks_misplaced_key(const struct hmap *m)
{
    return m->hooks != NULL ? m->hooks->key_misplaced : NULL;
}

/* A view owns no memory: it is the lower half of an array growing in
 * place, seen as the old array (grow.c, "growing in place"). */
HMAP_INLINE bool is_view(const struct hmap_array *a)
{
    return a->bytes == 0;
}

/* ---- bucket access -------------------------------------------------- */

HMAP_INLINE char *bucket_at(const struct hmap_array *a, size_t i, uint32_t bucket_size)
{
    return a->first + i * bucket_size;
}

HMAP_INLINE uint64_t bucket_tags(const char *b)
{
    uint64_t w;
    memcpy(&w, b, sizeof w);
    return w;
}

HMAP_INLINE char *bucket_key(const struct hmap *m, char *b, unsigned i)
{
    return b + m->layout.key_off + (size_t)i * m->layout.entry_size;
}

HMAP_INLINE char *bucket_val(const struct hmap *m, char *b, unsigned i)
{
    return b + m->layout.val_off + (size_t)i * m->layout.entry_size;
}

HMAP_INLINE char **bucket_overflow(const struct hmap *m, char *b)
{
    return (char **)(void *)(b + m->layout.ovf_off);
}

HMAP_INLINE uint8_t *bucket_split(const struct hmap *m, char *b)
{
    return (uint8_t *)b + m->layout.split_off;
}

enum { SPLIT_FULL = 0x80, SPLIT_BITS = 7 };

/* The split byte of an entry with hash `hash` in an array of 2^B buckets. */
HMAP_INLINE uint8_t split_of(uint64_t hash, unsigned B)
{
    return (uint8_t)(SPLIT_FULL | ((hash >> B) & (SPLIT_FULL - 1)));
}

HMAP_INLINE uint8_t tag_of(uint64_t hash)
{
    uint8_t t = (uint8_t)(hash >> 56);
    return t < TAG_MIN ? (uint8_t)(t + TAG_MIN) : t;
}

/* Bit 8*i+7 set for every byte i of `tags` equal to `tag`, and no other.
 * (The shorter (x - 0x01..) & ~x & 0x80.. trick also flags a byte 0x01
 * above a true zero; that would match a deleted slot whose stale key bytes
 * still equal the key sought.) */
HMAP_INLINE uint64_t tags_matching(uint64_t tags, uint8_t tag)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t x = tags ^ (0x0101010101010101ull * tag);
    return ~(((x & lo7) + lo7) | x | lo7);
}

HMAP_INLINE unsigned first_match(uint64_t matches)
{
    return (unsigned)__builtin_ctzll(matches) >> 3;
}

/* The chain holding the entries of hash-masked index `idx` of the current
 * array while growing: the old bucket feeding it if that has not been
 * evacuated yet, else NULL. */
HMAP_INLINE char *unevacuated_old_chain(const struct hmap *m, size_t idx)
{
    size_t oi = idx & (m->old->nbuckets - 1);
    return oi >= m->nevacuate ? bucket_at(m->old, oi, m->layout.bucket_size) : NULL;
}

/* ---- iteration ------------------------------------------------------ */

/* The private part of hmap_iter.  The first eight words are read and
 * written by the inline steps in hmap.h (hmap__iter_next_inline and, in
 * the checked build, hmap__checked_iter_next_inline); their order is fixed
 * there. */
struct iter_state {
    uintptr_t pending;   /* slots of the run not yet visited: a rotated byte per bucket */
    char *keys;          /* the key of slot 0 of the run's first bucket */
    uintptr_t stride;    /* layout.entry_size */
    uintptr_t to_val;    /* layout.val_off - layout.key_off, or HMAP__NO_VAL for a set */
    uintptr_t bucket_stride; /* layout.bucket_size */
    uintptr_t offset;    /* the rotation of every bucket's slots, 0..7 */
    const uint64_t *modcount_word; /* the checked build: the map's modcount (begun
                                      unchecked: a count that never matches) */
    uintptr_t modcount;  /* the checked build: the map's modcount the iteration expects
                            (its low bits on 32-bit targets, so that the state fits) */
    struct hmap *m;      /* NULL when the iteration is over */
    struct hmap *origin; /* the map iterated, kept after the end */
    char *chain;         /* a bucket whose overflow chain is walked next, or NULL */
    size_t start;        /* first bucket index */
    size_t steps;        /* bucket indexes begun */
    size_t nbuckets;     /* bucket count when the iteration began */
    const void *site;    /* the checked build: where the iteration began (NULL: plain) */
};

/* A run covers as many buckets as `pending` has bytes. */
enum { ITER_RUN = sizeof(uintptr_t) };

_Static_assert(sizeof(struct iter_state) <= sizeof(((hmap_iter *)0)->hmap__private),
               "hmap_iter's private state is too small");
_Static_assert(offsetof(struct iter_state, pending) == 0 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, keys) == 1 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, stride) == 2 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, to_val) == 3 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, bucket_stride) == 4 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, offset) == 5 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, modcount_word) == 6 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, modcount) == 7 * sizeof(uintptr_t),
               "the inline steps (hmap.h) read these private words by index");

HMAP_INLINE struct iter_state *hmap__iter_state(hmap_iter *it)
{
    return (struct iter_state *)(void *)it->hmap__private;
}

/* ---- shared between the core's files -------------------------------- */

uint64_t hmap__key_hash(const struct hmap *m, const void *key);
bool hmap__key_equal(const struct hmap *m, const void *a, const void *b);

/* hmap_verify, telling `misplaced` (if not NULL) of the first key found
 * where its hash does not put it, before it fails: the checked build
 * reports that as a key modified after insertion, whoever made the map. */
bool hmap__verify_reporting(const struct hmap *m, hmap__misplaced_fn *misplaced);
void hmap__delete_slot(struct hmap *m, char *b, unsigned i);
void hmap__release_arrays(struct hmap *m);
struct hmap *hmap__new_hooked(const hmap_type *type, size_t hint, const struct hmap_hooks *hooks);
int hmap__relocate(struct hmap *m);
/* hmap_put and hmap_del of a non-NULL map without the write_done hook, for
 * the checked entry points, which do the hook's work themselves. */
void *hmap__put_unhooked(struct hmap *m, const void *key, bool *inserted);
bool hmap__del_unhooked(struct hmap *m, const void *key);
/* Relocates m (hmap__relocate) and returns where the entry whose value
 * slot was val lives now; val may be NULL. */
void *hmap__relocate_following(struct hmap *m, void *val);

#pragma GCC visibility pop

#endif /* HMAP_INTERNAL_H */
