/*
 * hmap_internal.h - the data structure behind hmap.h, shared by the core
 * (src/) and the checked runtime (instrument/).
 *
 * A map is a Go-style header (struct hmap) over a directory of tables, as
 * in Go 1.24's runtime map (extendible hashing):
 *
 *     struct hmap --> dir[2^depth] --> table, table, table, ...
 *
 * The top `depth` bits of a key's hash pick a directory entry, and the
 * entry names the table that holds the key.  A table whose own ("local")
 * depth d is below the directory's serves the 2^(depth-d) neighbouring
 * entries that share its d top bits.  A map of one table has a directory
 * of one entry, kept in the header (dir0), so a small map allocates its
 * header and one table and nothing else.
 *
 * A table is an open-addressing hash table of at most MAX_GROUPS groups,
 * and the unit of allocation: one block holding its header (struct
 * hmap_table: owning map, generation, counts), its control bytes, then its
 * slots.  A directory entry holds the address of the control bytes and the
 * group count, from which the slots follow, so that a lookup goes from the
 * directory to the control bytes without reading the header.  The control
 * bytes are a dense array apart from the slots, as in Abseil's and
 * boost's flat maps, so that probing a group touches one 16-byte word
 * that is usually in cache, and a slot only on a tag match:
 *
 *     ctrl:  [ 15 tags | overflow byte ] [ 15 tags | overflow ] ...  16 bytes a group
 *     slots: [ K V ] [ K V ] ...                                     15 a group
 *
 * A tag is 8 bits of the hash, never 0 (TAG_EMPTY).  A key's probe starts
 * at the group its hash's low bits name and goes on group by group
 * (triangular steps, which visit every group of a power-of-two table).
 * The overflow byte is boost's: an insertion that passes a full group sets
 * bit (hash >> OVERFLOW_SHIFT) % 8 of it, so that a lookup stops at the
 * first group whose bit for its hash is clear.  Deleting a slot only
 * clears its tag: no tombstones.  A deleted slot in a group that some
 * probe passed over is not counted as room again (growth_left), so stale
 * overflow bits cost a rebuild of the table sooner, never a wrong answer.
 *
 * Growth is bounded: when a table has no room left for an insertion, that
 * insertion replaces it, all at once, by
 *   - a table of the same size, when deletions left it half empty (which
 *     also clears its overflow bits);
 *   - a table twice as large, below MAX_GROUPS;
 *   - two tables of MAX_GROUPS (a split), the keys dealt by the next bit of
 *     their hash; the directory doubles first if the table's depth was the
 *     directory's.
 * An insertion moves the entries of one table (at most MAX_GROUPS * 15 *
 * 7/8 = 1680, with a hash that spreads keys), and nothing is left in
 * progress between operations: a lookup, a miss or an erase never pays
 * for a growth.  Nor does a split
 * wait for fresh memory: a map of several tables keeps the table of its
 * next split and the directory of its next doubling (below MAX_DEPTH)
 * allocated ahead
 * (spare, next_dir), and its insertions fault their pages in, one page
 * each (grow.c, "faulting in ahead").  A table whose split
 * sent every key to one side (a hash that does not spread keys) is not
 * split again (no_split) and grows beyond MAX_GROUPS instead, so that a
 * bad hash costs speed, not the directory's memory.
 *
 * Invariants (checked by hmap_verify):
 *  - the directory has 2^depth entries; a table of local depth d <= depth
 *    fills exactly the 2^(depth-d) aligned entries that share its index's
 *    top d bits;
 *  - every live key of a table has the table's d top hash bits, the tag
 *    of its hash, and sits in the first group of its probe sequence that
 *    had room: every group its probe passes before it has the key's
 *    overflow bit set;
 *  - a table's used is its live tags, used + growth_left <= its max load
 *    (7/8 of its slots), and the map's count, slots and tables are the
 *    sums over its tables;
 *  - a table's header names the map that owns it.
 *
 * Words used across the core:
 *  - table: a header, control bytes and slots in one block, the unit of
 *    allocation and of retirement; its generation orders it among the
 *    map's tables;
 *  - group: 16 control bytes, 15 tags and the overflow byte, and their 15
 *    slots;
 *  - depth: of the directory (global) or of a table (local), in hash bits;
 *  - rebuild: replacing a table by a new one holding its entries (growth,
 *    compaction, relocation); split: replacing it by two;
 *  - retired: a table the map no longer uses, handed to the hooks or
 *    freed; `replaced` holds the one an insertion's growth replaced, which
 *    is retired when the write ends (the key argument may point into it);
 *  - followed: an entry whose value slot hmap_put returns, tracked through
 *    the moves of a relocation;
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
#include "group.h"
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
    /* A table grows by doubling up to this many groups, then splits. */
    MAX_GROUPS = 128,
    /* Directory depth beyond which tables grow instead of splitting: the
     * directory must stay a real allocation, and its bits (the hash's top
     * ones) must not reach the overflow bits and the tag (group.h). */
    MAX_DEPTH = sizeof(size_t) >= 8 ? 29 : 22,
    MAX_ALIGN = 4096,
};

/* The most entries a table of `groups` groups holds: 7/8 of its slots. */
HMAP_INLINE size_t max_load(size_t groups)
{
    return groups * GROUP_SLOTS * 7 / 8;
}

/* Magic tags at the start of a map header. */
#define HMAP_MAGIC_LIVE 0x686d61704c495645ull  /* "hmapLIVE" */
#define HMAP_MAGIC_FREED 0x686d617046524545ull /* "hmapFREE" */
#define HMAP_TABLE_MAGIC 0x686d61705441424cull /* "hmapTABL" */

/* How keys are hashed and compared; chosen once in hmap_new so that the hot
 * paths can be specialised for the common cases. */
enum key_kind {
    KIND_GENERIC, /* type.hash / type.equal, or bytes of any size */
    KIND_U32,     /* 4-byte keys, default hash and equality */
    KIND_U64,     /* 8-byte keys, default hash and equality */
    KIND_CSTR,    /* HMAP_TYPE_CSTR */
};

/* The hot paths are written once, as inline functions taking the key kind,
 * and copied out of line once per kind.  FOR_EACH_KIND(DEF) defines the
 * copies, DEF(suffix, KIND) each; BY_KIND returns what the copy for the
 * map's kind, fn_u64 ... fn_generic, returns. */
#define FOR_EACH_KIND(DEF) DEF(u64, KIND_U64) DEF(u32, KIND_U32) DEF(cstr, KIND_CSTR) \
    DEF(generic, KIND_GENERIC)

#define BY_KIND(kind, fn, ...)                                               \
    do {                                                                     \
        switch ((enum key_kind)(kind)) {                                     \
        case KIND_U64:                                                       \
            return fn##_u64(__VA_ARGS__);                                    \
        case KIND_U32:                                                       \
            return fn##_u32(__VA_ARGS__);                                    \
        case KIND_CSTR:                                                      \
            return fn##_cstr(__VA_ARGS__);                                   \
        case KIND_GENERIC:                                                   \
            break;                                                           \
        }                                                                    \
        return fn##_generic(__VA_ARGS__);                                    \
    } while (0)

struct hmap_layout {
    uint32_t entry_size;        /* key, padding, value, padding */
    uint32_t val_off;           /* from the key; a set's "value" is its key (0) */
    uint32_t table_align;       /* of a table's block: the slots' and a cache line's */
    uint32_t group_stride;      /* GROUP_SLOTS * entry_size: a group's slots */
};

struct hmap_table {
    uint64_t magic;             /* HMAP_TABLE_MAGIC */
    uint64_t generation;        /* the owner's generation when allocated */
    const struct hmap *owner;
    void *block;                /* the allocation: padding, this header, control bytes, slots */
    size_t bytes;               /* size of the block */
    char *slots;                /* slot 0, right after the control bytes */
    uint32_t groups;            /* a power of two */
    uint32_t used;              /* live slots */
    uint32_t growth_left;       /* insertions into empty slots before a rebuild */
    uint8_t depth;              /* local depth: the hash's top bits it owns */
    uint8_t no_split;           /* a split of it would not spread its keys */
};

/* The control bytes follow a table's header at this distance. */
#define TABLE_HEADER_BYTES                                                   \
    ((sizeof(struct hmap_table) + GROUP_BYTES - 1) & ~(size_t)(GROUP_BYTES - 1))

/* A directory entry names a table by what a lookup needs of it, so that a
 * lookup reads no table header: the control bytes, then the slots at
 * ctrl + 16 * (mask + 1). */
struct hmap_dir_entry {
    uint8_t *ctrl;
    size_t mask;                /* groups - 1 */
};

/* Per-map state of the checked build (instrument/).  Plain callers never
 * touch it; it is zero in maps created by them. */
struct hmap_checked_state {
    uint64_t owner;             /* thread id inside a write that is not the sole user's fast
                                   one, 0 if none (relaxed atomics) */
    uint64_t write_seq;         /* odd while such a write is in progress, up by 2 for each:
                                   the modification count that iterators compare */
    uint64_t last_writer;       /* thread id of the last write */
    uint64_t last_reader;       /* thread id of a recent read (sampled), 0 once a write used it */
    uint64_t sole_user;         /* the thread whose writes may take the fast path: the last
                                   writer, while no other thread used the map since; else
                                   the mark of the thread that used it (instrument/thread.h),
                                   and 0 for a map that runs user code */
    uint64_t read_linger_mark;  /* write_seq when a reader last lingered */
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
    struct hmap_dir_entry *dir; /* 2^depth entries; NULL until the first table */
    uint8_t dir_shift;          /* 63 - depth: (hash >> 1) >> dir_shift is the index */
    uint8_t depth;              /* of the directory */
    uint8_t kind;               /* enum key_kind */
    uint8_t poisons_slots;      /* deleted slots carry poison that hooks lift (ASan) */
    uint8_t small_slots;        /* keys and values copy inline, no poison to lift (table.h) */
    uint32_t growths;           /* tables rebuilt or split, relocations included */
    uint64_t hash0;             /* per-map seed, re-randomised when the map empties */
    size_t tables;              /* distinct tables in the directory */
    size_t slots;               /* slots of all tables */
    struct hmap_dir_entry dir0; /* the directory of a map of one table */
    struct hmap_table *replaced;/* a table an insertion's growth replaced, retired when it ends */
    struct hmap_table *spare;   /* the table of the next split, faulted in ahead */
    struct hmap_dir_entry *next_dir; /* room for its next directory doubling, faulted in ahead */
    size_t next_dir_len;        /* entries next_dir has room for */
    char *spare_ahead, *dir_ahead; /* the next page of each to fault in, or NULL */
    uint64_t generation;        /* bumped for every table allocated */
    const struct hmap_hooks *hooks; /* NULL: plain map */
    char *followed;             /* an entry whose moves relocation reports here, or NULL */
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

/* A map with no hooks asks nothing of them: a write can skip every
 * question below at once. */
HMAP_INLINE bool hooks_absent(const struct hmap *m)
{
    return m->hooks == NULL;
}

/* Tables come from the hooks (table_alloc) and go back to them whole
 * (table_retire). */
HMAP_INLINE bool hooks_own_tables(const struct hmap *m)
{
    return m->hooks != NULL && m->hooks->table_alloc != NULL;
}

/* Every key that a rebuild or split moves is hashed and checked against
 * the table it came from (key_misplaced). */
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

/* ---- tables --------------------------------------------------------- */

HMAP_INLINE uint8_t *table_ctrl(const struct hmap_table *t)
{
    return (uint8_t *)(uintptr_t)t + TABLE_HEADER_BYTES;
}

HMAP_INLINE char *slot_at(const struct hmap *m, const struct hmap_table *t, size_t i)
{
    return t->slots + i * m->layout.entry_size;
}

HMAP_INLINE char *slot_val(const struct hmap *m, char *slot)
{
    return slot + m->layout.val_off;
}

HMAP_INLINE struct hmap_table *entry_table(const struct hmap_dir_entry *e)
{
    return (struct hmap_table *)(void *)(e->ctrl - TABLE_HEADER_BYTES);
}

HMAP_INLINE char *entry_slots(const struct hmap_dir_entry *e)
{
    return (char *)e->ctrl + (e->mask + 1) * GROUP_BYTES;
}

/* The directory entry of a hash: its top `depth` bits (none at depth 0). */
HMAP_INLINE size_t dir_index(const struct hmap *m, uint64_t hash)
{
    return (size_t)((hash >> 1) >> m->dir_shift);
}

HMAP_INLINE const struct hmap_dir_entry *entry_of(const struct hmap *m, uint64_t hash)
{
    return &m->dir[dir_index(m, hash)];
}

HMAP_INLINE struct hmap_table *table_of(const struct hmap *m, uint64_t hash)
{
    return entry_table(entry_of(m, hash));
}

HMAP_INLINE struct hmap_table *dir_table(const struct hmap *m, size_t i)
{
    return entry_table(&m->dir[i]);
}

/* ---- iteration ------------------------------------------------------ */

/* The private part of hmap_iter.  The first eight words are read and
 * written by the inline steps in hmap.h (hmap__iter_next_inline and, in
 * the checked build, hmap__checked_iter_next_inline); their order is fixed
 * there.  The storage is hmap_iter's array of words, which the inline
 * steps access as such: may_alias tells the compiler that this struct's
 * accesses reach the same memory, which it would otherwise assume apart
 * once it sees both sides (a program and the static library built with
 * -flto). */
struct __attribute__((may_alias)) iter_state {
    uintptr_t pending;   /* live slots of the run not yet visited, 16 bits a group:
                            bit 16k + j is slot (j + offset) % 16 of the run's k-th group */
    char *keys;          /* the key of slot 0 of the run's first group */
    uintptr_t stride;    /* layout.entry_size */
    uintptr_t to_val;    /* layout.val_off, or HMAP__NO_VAL for a set */
    uintptr_t group_stride; /* GROUP_SLOTS * layout.entry_size */
    uintptr_t offset;    /* random, 0..15: where each group's walk starts */
    const uint64_t *modcount_word; /* the checked build: the map's write_seq (begun
                                      unchecked: a count that never matches) */
    uintptr_t modcount;  /* the checked build: the write_seq the iteration expects
                            (its low bits on 32-bit targets, so that the state fits) */
    struct hmap *m;      /* NULL when the iteration is over */
    struct hmap *origin; /* the map iterated, kept after the end */
    struct hmap_table *table; /* the table being walked */
    size_t dir_start;    /* the first directory entry */
    size_t dir_steps;    /* directory entries begun */
    uint32_t group_start;/* random: each table's walk starts at this group (masked) */
    uint32_t groups_done;/* groups of the current table walked */
    const void *site;    /* the checked build: where the iteration began (NULL: plain) */
};

/* A run covers as many groups as `pending` has 16-bit lanes. */
enum { ITER_RUN = sizeof(uintptr_t) * 8 / 16 };

_Static_assert(sizeof(struct iter_state) <= sizeof(((hmap_iter *)0)->hmap__private),
               "hmap_iter's private state is too small");
_Static_assert(offsetof(struct iter_state, pending) == 0 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, keys) == 1 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, stride) == 2 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, to_val) == 3 * sizeof(uintptr_t) &&
                   offsetof(struct iter_state, group_stride) == 4 * sizeof(uintptr_t) &&
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
void hmap__delete_slot(struct hmap *m, struct hmap_table *t, size_t slot);
void hmap__release_tables(struct hmap *m);
struct hmap *hmap__new_hooked(const hmap_type *type, size_t hint, const struct hmap_hooks *hooks);
int hmap__relocate(struct hmap *m);
/* hmap_put, hmap_set and hmap_del of a non-NULL map without the
 * write_done hook, for the checked entry points, which do the hook's work
 * themselves. */
void *hmap__put_unhooked(struct hmap *m, const void *key, bool *inserted);
int hmap__set_unhooked(struct hmap *m, const void *key, const void *val);
bool hmap__del_unhooked(struct hmap *m, const void *key);
/* Relocates m (hmap__relocate) and returns where the entry whose value
 * slot was val lives now; val may be NULL. */
void *hmap__relocate_following(struct hmap *m, void *val);

#pragma GCC visibility pop

#endif /* HMAP_INTERNAL_H */
