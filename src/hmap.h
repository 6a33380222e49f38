/*
 * hmap.h - the public interface of hmap, a hash map for C modelled on Go's
 * runtime map.
 *
 * Keys and values are stored by value in the map's own memory.  A type
 * descriptor (hmap_type) says how big they are and how to hash and compare
 * keys; HMAP_TYPE(K, V) builds one for ordinary C types.
 *
 *     hmap_type t = HMAP_TYPE(uint64_t, double);
 *     hmap *m = hmap_new(&t, 0);
 *     uint64_t k = 42;
 *     double v = 1.5;
 *     hmap_set(m, &k, &v);
 *     double *p = hmap_get(m, &k);      // valid until the next write to m
 *
 * Rules (the checked build, -DHMAP_CHECKED, enforces each one):
 *  - any number of threads may read a map at once (get, has, len,
 *    iteration); a write (put, set, del, clear, free, iter_del) must not
 *    overlap any other operation on that map;
 *  - a pointer returned by get/put, or held in it.key/it.val, is valid only
 *    until the next write to that map;
 *  - while an iteration is in progress the only write allowed is
 *    hmap_iter_del on the current entry;
 *  - a stored key's bytes (for HMAP_TYPE_CSTR, the string it points at)
 *    must not change while the key is in the map;
 *  - writing to a NULL map is an error; reading a NULL map finds nothing.
 *
 * This header compiles as C11 and as C++.
 */
#ifndef HMAP_H
#define HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; hmap_version() is the library's, which a
 * program may compare with it.  meson.build checks that these agree with
 * the project's version (and so with pkg-config --modversion hmap). */
#define HMAP_VERSION_MAJOR 0
#define HMAP_VERSION_MINOR 3
#define HMAP_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the library in use. */
const char *hmap_version(void);

typedef struct hmap hmap;
typedef uint64_t (*hmap_hash_fn)(const void *key, uint64_t seed);
typedef bool (*hmap_equal_fn)(const void *a, const void *b);

typedef struct hmap_type {
    const char *name;      /* shown in diagnostics; may be NULL */
    size_t key_size;       /* > 0 */
    size_t key_align;      /* power of two, or 0 for the natural alignment of key_size */
    size_t val_size;       /* 0 makes a set */
    size_t val_align;      /* as key_align */
    hmap_hash_fn hash;     /* NULL: seeded hash of the key's bytes; the map mixes a
                              hash's result further, so a 32-bit one will do */
    hmap_equal_fn equal;   /* NULL: bytewise comparison */
} hmap_type;

uint64_t hmap_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t hmap_hash_cstr(const void *key, uint64_t seed); /* key points at a const char * */
bool hmap_equal_cstr(const void *a, const void *b);

#ifdef __cplusplus
#define HMAP__ALIGNOF(T) alignof(T)
#define HMAP__LITERAL(T) T
#else
#define HMAP__ALIGNOF(T) _Alignof(T)
#define HMAP__LITERAL(T) (T)
#endif

/* A descriptor for key type K and value type V, named "K -> V".  In C it is
 * a compound literal, so &HMAP_TYPE(K, V) may be passed to hmap_new
 * directly (hmap_new copies it); in C++ store it in a variable first. */
#define HMAP_TYPE(K, V)                                                      \
    HMAP__LITERAL(hmap_type){ #K " -> " #V, sizeof(K), HMAP__ALIGNOF(K),     \
                              sizeof(V), HMAP__ALIGNOF(V), NULL, NULL }

/* A set of K: no values. */
#define HMAP_SET_TYPE(K)                                                     \
    HMAP__LITERAL(hmap_type){ "set of " #K, sizeof(K), HMAP__ALIGNOF(K),     \
                              0, 0, NULL, NULL }

/* Keys are `const char *`, hashed and compared by the strings' content.
 * The map stores the pointer, not the string: the string must outlive the
 * entry and must not change while it is a key. */
#define HMAP_TYPE_CSTR(V)                                                    \
    HMAP__LITERAL(hmap_type){ "const char * -> " #V, sizeof(const char *),   \
                              HMAP__ALIGNOF(const char *), sizeof(V),        \
                              HMAP__ALIGNOF(V), hmap_hash_cstr,              \
                              hmap_equal_cstr }

/* Where maps get memory.  Map headers, directories and tables below 256 KiB
 * come from malloc and free (calloc, posix_memalign) unless the program
 * gives its own allocator here, before the library allocates anything
 * (before the first hmap_new): then 0, afterwards EBUSY, so that every
 * block goes back to the allocator that made it; EINVAL for a NULL
 * function.  NULL restores the default, under the same rule.  The struct
 * is copied; ctx is passed back to both functions.  Tables of 256 KiB and
 * up are mapped with mmap whatever the allocator (so are the checked
 * build's guarded tables).
 *
 * alloc returns size bytes aligned to align (a power of two, at most
 * 4096), not necessarily zeroed, or NULL when it has none: the map call
 * then fails with ENOMEM and leaves the map exactly as it was, as when
 * malloc fails.  free receives the pointer with the size and alignment it
 * was allocated with; it may be called from any thread that uses a map. */
typedef struct hmap_allocator {
    void *(*alloc)(size_t size, size_t align, void *ctx);
    void (*free)(void *p, size_t size, size_t align, void *ctx);
    void *ctx;
} hmap_allocator;

int hmap_set_allocator(const hmap_allocator *allocator);

/* hmap_new copies *type.  It returns NULL with errno EINVAL for a bad
 * descriptor (NULL, key_size 0, an alignment that is not a power of two or
 * is above 4096) or a hint too large to describe a real allocation, and
 * with errno ENOMEM when memory runs out. */
hmap *hmap_new(const hmap_type *type, size_t hint);
void hmap_free(hmap *m); /* NULL is a no-op */
size_t hmap_len(const hmap *m); /* NULL map: 0 */

/* Arguments: a key argument must point at a key (not NULL; in a string
 * map, at a pointer that is not NULL), as must hmap_set's value when the
 * map's values have bytes.  The plain build takes these as preconditions
 * (a NULL key is a crash, not an error), except that hmap_set with a NULL
 * value returns EINVAL with the map untouched; the checked build reports
 * each as "invalid argument", as it does hmap_iter_del without a current
 * entry, which the plain build ignores. */

/* The value slot of key, or NULL if absent (or m is NULL).  For a set
 * (val_size 0) the result is a non-NULL pointer to the stored key. */
void *hmap_get(const hmap *m, const void *key);
bool hmap_has(const hmap *m, const void *key);

/* Find or insert key and return its value slot; a new slot is zero-filled.
 * *inserted (if not NULL) says whether the key was new.  NULL with errno
 * ENOMEM when memory runs out: the map then holds exactly what it held.
 * Writing to a NULL map fails: hmap_put gives NULL with errno EINVAL,
 * hmap_set returns EINVAL, hmap_del returns false. */
void *hmap_put(hmap *m, const void *key, bool *inserted);
/* 0; ENOMEM with the map unchanged; EINVAL (map untouched) for a NULL
 * map, or a NULL val when the map's values have bytes. */
int hmap_set(hmap *m, const void *key, const void *val);
bool hmap_del(hmap *m, const void *key); /* true if a key was removed */
void hmap_clear(hmap *m);

/* Makes room for n entries in all: inserting up to n does not grow the
 * map (for n above one table's 1680 entries, as long as the hash spreads
 * the keys: each table is sized for its share with a wide margin).  0;
 * ENOMEM with the entries unchanged; EINVAL for a NULL map or an n no
 * memory holds. */
int hmap_reserve(hmap *m, size_t n);

/* What a map holds and takes; a NULL map reads as empty. */
struct hmap_stats {
    size_t entries;   /* hmap_len */
    size_t capacity;  /* entries the tables hold, all filled to their load (one of
                         them grows before, when it fills first) */
    size_t tables;    /* tables (of at most 128 groups of 15 slots, unless a hash
                         does not spread keys) */
    size_t slots;     /* slots of all tables */
    size_t directory; /* directory entries (2^depth; 0 before the first table) */
    double load;      /* entries / slots */
    size_t bytes;     /* memory: the header, the directory and the tables */
    uint64_t growths; /* tables rebuilt or split (the checked build's relocations too) */
};
void hmap_stats(const hmap *m, struct hmap_stats *out);

typedef struct hmap_iter {
    const void *key; /* the current entry, valid until the next call on the iterator or map */
    void *val;       /* NULL for a set */
    /* private state: fixed size, no allocation */
    uintptr_t hmap__private[16];
} hmap_iter;

/* Iteration order is randomised per iteration, like Go.  Breaking out of a
 * loop early needs no clean-up. */
void hmap_iter_init(hmap_iter *it, hmap *m);
bool hmap_iter_next(hmap_iter *it); /* false at the end */
/* Deletes the current entry; iteration goes on.  Without one (before the
 * first hmap_iter_next, after the end, or deleted already) it does
 * nothing (checked build: "invalid argument"). */
void hmap_iter_del(hmap_iter *it);

/* hmap_iter_next, inline for the common step: the next entry of the run of
 * groups being walked, whose remaining live slots the iterator holds as a
 * bit mask.  Only moving to the next run calls into the library.  The
 * first private words are laid out for this (src/hmap_internal.h, struct
 * iter_state):
 *   [0] slots still to visit, 16 bits a group: bit 16k + j is slot
 *       (j + [5]) % 16 of the run's k-th group;
 *   [1] the address of the run's first key;  [2] the distance between
 *       slots;  [3] the distance from a key to its value, or HMAP__NO_VAL
 *       for a set;  [4] the distance between groups' first slots;
 *   [5] where each group's walk starts, random per iteration;
 *   [6] the address of the map's modification count (of a count that
 *       never matches, for an iteration begun unchecked);  [7] the count
 *       the checked build's iteration expects. */
#define HMAP__NO_VAL UINTPTR_MAX

/* Casts and a null pointer that C++ code built with -Wold-style-cast and
 * -Wzero-as-null-pointer-constant accepts too. */
#ifdef __cplusplus
#define HMAP__INT_CAST(T, x) static_cast<T>(x)
#define HMAP__PTR_CAST(T, x) reinterpret_cast<T>(x)
#if __cplusplus >= 201103L
#define HMAP__NULL nullptr
#else
#define HMAP__NULL NULL
#endif
#else
#define HMAP__INT_CAST(T, x) ((T)(x))
#define HMAP__PTR_CAST(T, x) ((T)(x))
#define HMAP__NULL NULL
#endif

/* One step within the run: `pending` (private word 0) is not 0. */
static inline bool hmap__iter_step(hmap_iter *it, uintptr_t pending)
{
    uintptr_t bit = HMAP__INT_CAST(uintptr_t, __builtin_ctzll(pending));
    uintptr_t slot = ((bit & 15u) + it->hmap__private[5]) & 15u;
    it->hmap__private[0] = pending & (pending - 1);
    char *key = HMAP__PTR_CAST(char *, it->hmap__private[1]) + (bit >> 4) * it->hmap__private[4] +
                slot * it->hmap__private[2];
    uintptr_t to_val = it->hmap__private[3];
    it->key = key;
    it->val = to_val == HMAP__NO_VAL ? HMAP__NULL : key + to_val;
    return true;
}

static inline bool hmap__iter_next_inline(hmap_iter *it)
{
    uintptr_t pending = it->hmap__private[0];
    if (!pending)
        return (hmap_iter_next)(it);
    return hmap__iter_step(it, pending);
}

#ifndef HMAP_CHECKED
#define hmap_iter_next(it) hmap__iter_next_inline(it)
#endif

/* A full self-check of every invariant: the directory, counts, tags, the
 * placement of every key.  Returns false (and says why on stderr) if
 * anything is wrong. */
bool hmap_verify(const hmap *m);

/* ---- the checked build ----------------------------------------------
 *
 * Compiling with -DHMAP_CHECKED makes every name above a macro that calls
 * the checked entry point below with the call site.  The checked runtime
 * then reports misuse (concurrent writes, writes during iteration,
 * pointers used after a write moved the entries, freed maps, ...) the
 * moment it happens and ends the program; see README.md.  The same
 * library serves both kinds of callers, and maps may be shared between
 * translation units built either way.  A pointer kept across the write
 * that retired its table faults at once if the table is guarded
 * (HMAP_OPTIONS=guard=: by default tables of 256 KiB and up, the first
 * each call site allocates, and a sample of the rest); an unguarded one
 * is poisoned, and a write through the pointer is reported when the
 * table is released (under AddressSanitizer, ASan catches either at
 * once).  HMAP_OPTIONS tunes the runtime (HMAP_OPTIONS=help=1 lists the
 * options). */

struct hmap__site {
    const char *file;
    const char *func;
    int line;
};

hmap *hmap__checked_new(const hmap_type *type, size_t hint, const struct hmap__site *site);
void hmap__checked_free(hmap *m, const struct hmap__site *site);
size_t hmap__checked_len(const hmap *m, const struct hmap__site *site);
void *hmap__checked_get(const hmap *m, const void *key, const struct hmap__site *site);
bool hmap__checked_has(const hmap *m, const void *key, const struct hmap__site *site);
void *hmap__checked_put(hmap *m, const void *key, bool *inserted, const struct hmap__site *site);
int hmap__checked_set(hmap *m, const void *key, const void *val, const struct hmap__site *site);
bool hmap__checked_del(hmap *m, const void *key, const struct hmap__site *site);
void hmap__checked_clear(hmap *m, const struct hmap__site *site);
int hmap__checked_reserve(hmap *m, size_t n, const struct hmap__site *site);
void hmap__checked_stats(const hmap *m, struct hmap_stats *out, const struct hmap__site *site);
void hmap__checked_iter_init(hmap_iter *it, hmap *m, const struct hmap__site *site);
bool hmap__checked_iter_next(hmap_iter *it, const struct hmap__site *site);
void hmap__checked_iter_del(hmap_iter *it, const struct hmap__site *site);
bool hmap__checked_verify(const hmap *m, const struct hmap__site *site);

/* The checked build's step: inline, as hmap__iter_next_inline, as long as
 * the map's modification count is what the iteration expects (no write
 * since it began, concurrent or not); a mismatch, the end of a run, or an
 * iteration begun unchecked calls the checked entry point, which reports
 * or walks on.  Under ThreadSanitizer every step goes out of line, so that
 * TSan sees each one as a read of the map. */
#if defined(__SANITIZE_THREAD__)
#define HMAP__STEP_OUT_OF_LINE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HMAP__STEP_OUT_OF_LINE 1
#endif
#endif

static inline bool hmap__checked_iter_next_inline(hmap_iter *it, const struct hmap__site *site)
{
#ifndef HMAP__STEP_OUT_OF_LINE
    uintptr_t pending = it->hmap__private[0];
    const uint64_t *written = HMAP__PTR_CAST(const uint64_t *, it->hmap__private[6]);
    if (pending && HMAP__INT_CAST(uintptr_t, __atomic_load_n(written, __ATOMIC_RELAXED)) ==
                       it->hmap__private[7])
        return hmap__iter_step(it, pending);
#endif
    return hmap__checked_iter_next(it, site);
}

#ifdef HMAP_CHECKED
/* One static record per call site, so that the runtime can keep a pointer
 * to "where the last write came from" at the cost of one store.  The
 * macros are variadic so that an argument holding commas of its own, such
 * as a compound literal &(hmap_type){ .key_size = 8, ... }, passes whole. */
#define HMAP__SITE                                                           \
    (__extension__({                                                         \
        static const struct hmap__site hmap__site_ = { __FILE__, __func__, __LINE__ }; \
        &hmap__site_;                                                        \
    }))
#define hmap_new(...) hmap__checked_new(__VA_ARGS__, HMAP__SITE)
#define hmap_free(...) hmap__checked_free(__VA_ARGS__, HMAP__SITE)
#define hmap_len(...) hmap__checked_len(__VA_ARGS__, HMAP__SITE)
#define hmap_get(...) hmap__checked_get(__VA_ARGS__, HMAP__SITE)
#define hmap_has(...) hmap__checked_has(__VA_ARGS__, HMAP__SITE)
#define hmap_put(...) hmap__checked_put(__VA_ARGS__, HMAP__SITE)
#define hmap_set(...) hmap__checked_set(__VA_ARGS__, HMAP__SITE)
#define hmap_del(...) hmap__checked_del(__VA_ARGS__, HMAP__SITE)
#define hmap_clear(...) hmap__checked_clear(__VA_ARGS__, HMAP__SITE)
#define hmap_reserve(...) hmap__checked_reserve(__VA_ARGS__, HMAP__SITE)
#define hmap_stats(...) hmap__checked_stats(__VA_ARGS__, HMAP__SITE)
#define hmap_iter_init(...) hmap__checked_iter_init(__VA_ARGS__, HMAP__SITE)
#define hmap_iter_next(...) hmap__checked_iter_next_inline(__VA_ARGS__, HMAP__SITE)
#define hmap_iter_del(...) hmap__checked_iter_del(__VA_ARGS__, HMAP__SITE)
#define hmap_verify(...) hmap__checked_verify(__VA_ARGS__, HMAP__SITE)
#endif

#ifdef __cplusplus
}
#endif

#endif /* HMAP_H */
