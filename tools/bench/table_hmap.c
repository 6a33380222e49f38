/*
 * table_hmap.c - hmap in the benchmark, through its public API only:
 * HMAP_TYPE(uint64_t, uint64_t) for u64 keys, HMAP_TYPE(uint64_t,
 * bench_big) for big ones, HMAP_TYPE_CSTR(uint64_t) for strings (the map
 * stores the `const char *`, the strings live in the driver's arrays).
 * Under --hash same the descriptors name bench_hash.h's hashes as
 * hmap_type.hash (a call through a pointer, as for any custom hash).
 *
 * table_hmap_checked.c includes this file with HMAP_CHECKED defined: the
 * same code through the checked entry points, as table "hmap-checked".
 */
#include "bench_c.h"

#include "bench_hash.h"

#include <hmap.h>
#include <string.h>

/* hmap_hash_fn wrappers of bench_hash.h: the map's seed is ignored */
static uint64_t same_hash_u64(const void *key, uint64_t seed)
{
    uint64_t x;
    (void)seed;
    memcpy(&x, key, sizeof x);
    return bench_hash_u64(x);
}

static uint64_t same_hash_cstr(const void *key, uint64_t seed)
{
    const char *s = *(const char *const *)key;
    (void)seed;
    return bench_hash_str(s, strlen(s));
}

#define SAME_TYPE_U64(V)                                                     \
    ((hmap_type){ "uint64_t -> " #V ", same hash", sizeof(uint64_t), 0, sizeof(V), 0, \
                  same_hash_u64, NULL })
#define SAME_TYPE_CSTR(V)                                                    \
    ((hmap_type){ "const char * -> " #V ", same hash", sizeof(const char *), 0, sizeof(V), \
                  0, same_hash_cstr, hmap_equal_cstr })

/* V: the value type; MAKE(v) the V whose first word is v.  A value is
 * read back through its first word, the whole of a uint64_t and w[0] of a
 * bench_big. */
#define HMAP_BENCH(P, K, TYPE, V, MAKE)                                      \
    static void *P##_create(size_t pool_n)                                   \
    {                                                                        \
        (void)pool_n;                                                        \
        hmap *m = hmap_new(&TYPE, 0);                                        \
        if (!m)                                                              \
            bench_die("hmap_new failed");                                    \
        return m;                                                            \
    }                                                                        \
    static void P##_destroy(void *t) { hmap_free(t); }                       \
    static inline void P##_put(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        V val = MAKE(v);                                                     \
        if (hmap_set(t, k, &val) != 0)                                       \
            bench_die("hmap_set failed");                                    \
    }                                                                        \
    static inline void P##_set(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        P##_put(t, k, v); /* hmap_set replaces a present key's value */      \
    }                                                                        \
    static inline uint64_t P##_get(void *t, const K *k)                      \
    {                                                                        \
        const uint64_t *v = hmap_get(t, k);                                  \
        return v ? *v : 0;                                                   \
    }                                                                        \
    static inline bool P##_del(void *t, const K *k) { return hmap_del(t, k); } \
    static uint64_t P##_iterate(void *t)                                     \
    {                                                                        \
        uint64_t sum = 0;                                                    \
        hmap_iter it;                                                        \
        hmap_iter_init(&it, t);                                              \
        while (hmap_iter_next(&it))                                          \
            sum += *(const uint64_t *)it.val;                                \
        return sum;                                                          \
    }                                                                        \
    static size_t P##_len(void *t) { return hmap_len(t); }                   \
    BENCH_C_OPS(P, K)

#define AS_IS(v) (v)

HMAP_BENCH(hmap_u64, uint64_t, HMAP_TYPE(uint64_t, uint64_t), uint64_t, AS_IS);
HMAP_BENCH(hmap_str, bench_str, HMAP_TYPE_CSTR(uint64_t), uint64_t, AS_IS);
HMAP_BENCH(hmap_big, uint64_t, HMAP_TYPE(uint64_t, bench_big), bench_big, bench_big_of);
HMAP_BENCH(hmap_same_u64, uint64_t, SAME_TYPE_U64(uint64_t), uint64_t, AS_IS);
HMAP_BENCH(hmap_same_str, bench_str, SAME_TYPE_CSTR(uint64_t), uint64_t, AS_IS);
HMAP_BENCH(hmap_same_big, uint64_t, SAME_TYPE_U64(bench_big), bench_big, bench_big_of);

#ifdef HMAP_CHECKED
const bench_table bench_hmap_checked = {
    "hmap-checked",
    .ops[BENCH_OWN] = { &hmap_u64_ops, &hmap_str_ops, &hmap_big_ops },
    .ops[BENCH_SAME] = { &hmap_same_u64_ops, &hmap_same_str_ops, &hmap_same_big_ops },
};
#else
const bench_table bench_hmap = {
    "hmap",
    .ops[BENCH_OWN] = { &hmap_u64_ops, &hmap_str_ops, &hmap_big_ops },
    .ops[BENCH_SAME] = { &hmap_same_u64_ops, &hmap_same_str_ops, &hmap_same_big_ops },
};
#endif
