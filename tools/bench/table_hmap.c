/*
 * table_hmap.c - hmap in the benchmark: HMAP_TYPE(uint64_t, uint64_t) for
 * u64 keys, HMAP_TYPE_CSTR(uint64_t) for strings (the map stores the
 * `const char *`, the strings live in the driver's arrays).
 *
 * table_hmap_checked.c includes this file with HMAP_CHECKED defined: the
 * same code through the checked entry points, as table "hmap-checked".
 */
#include "bench_c.h"

#include <hmap.h>

#define HMAP_BENCH(P, K, TYPE)                                               \
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
        if (hmap_set(t, k, &v) != 0)                                         \
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

HMAP_BENCH(hmap_u64, uint64_t, HMAP_TYPE(uint64_t, uint64_t));
HMAP_BENCH(hmap_str, bench_str, HMAP_TYPE_CSTR(uint64_t));

#ifdef HMAP_CHECKED
const bench_table bench_hmap_checked = {
    "hmap-checked", .ops[BENCH_OWN] = { [BENCH_U64] = &hmap_u64_ops, [BENCH_STR] = &hmap_str_ops }
};
#else
const bench_table bench_hmap = {
    "hmap", .ops[BENCH_OWN] = { [BENCH_U64] = &hmap_u64_ops, [BENCH_STR] = &hmap_str_ops }
};
#endif
