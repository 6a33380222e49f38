/*
 * table_khash.c - klib's khash in the benchmark, as htslib ships it
 * (htslib/khash.h, header-only: nothing of libhts is linked).
 * KHASH_MAP_INIT_INT64 for u64 keys, KHASH_MAP_INIT_STR for strings (the
 * table stores the `const char *`, the strings live in the driver's
 * arrays), and for big keys the same int64 map with bench_big values.
 * Open addressing, quadratic probing, tombstones on erase; khint_t (the
 * hash and the bucket count) is 32 bits.  Under --hash same, the same
 * maps with bench_hash.h's hashes (cut to khint_t) as hash macros.
 */
#include "bench_c.h"

#include "bench_hash.h"

#include <htslib/khash.h>

KHASH_MAP_INIT_INT64(ku64, uint64_t)
KHASH_MAP_INIT_STR(kstr, uint64_t)
KHASH_INIT(kbig, khint64_t, bench_big, 1, kh_int64_hash_func, kh_int64_hash_equal)

#define SAME_HASH_U64(key) ((khint_t)bench_hash_u64(key))
#define SAME_HASH_STR(key) ((khint_t)bench_hash_str((key), strlen(key)))
KHASH_INIT(ku64s, khint64_t, uint64_t, 1, SAME_HASH_U64, kh_int64_hash_equal)
KHASH_INIT(kstrs, kh_cstr_t, uint64_t, 1, SAME_HASH_STR, kh_str_hash_equal)
KHASH_INIT(kbigs, khint64_t, bench_big, 1, SAME_HASH_U64, kh_int64_hash_equal)

/* NAME: the khash name; K: the driver's key type; KEY(k) khash's key for
 * a pointer k into the key array; MAKE(v) the value whose first word is v
 * (values are read back through their first word, as in table_hmap.c). */
#define KHASH_BENCH(P, NAME, K, KEY, MAKE)                                \
    static void *P##_create(size_t pool_n)                                   \
    {                                                                        \
        (void)pool_n;                                                        \
        kh_##NAME##_t *h = kh_init(NAME);                                    \
        if (!h)                                                              \
            bench_die("kh_init failed");                                     \
        return h;                                                            \
    }                                                                        \
    static void P##_destroy(void *t) { kh_destroy(NAME, (kh_##NAME##_t *)t); } \
    static inline void P##_set(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        kh_##NAME##_t *h = t;                                                \
        int ret;                                                             \
        khiter_t it = kh_put(NAME, h, KEY(k), &ret);                         \
        if (ret < 0)                                                         \
            bench_die("kh_put failed");                                      \
        kh_val(h, it) = MAKE(v);                                             \
    }                                                                        \
    static inline void P##_put(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        P##_set(t, k, v); /* kh_put finds or adds, the value is then set */  \
    }                                                                        \
    static inline uint64_t P##_get(void *t, const K *k)                      \
    {                                                                        \
        kh_##NAME##_t *h = t;                                                \
        khiter_t it = kh_get(NAME, h, KEY(k));                               \
        return it == kh_end(h) ? 0 : *(const uint64_t *)&kh_val(h, it);      \
    }                                                                        \
    static inline bool P##_del(void *t, const K *k)                          \
    {                                                                        \
        kh_##NAME##_t *h = t;                                                \
        khiter_t it = kh_get(NAME, h, KEY(k));                               \
        if (it == kh_end(h))                                                 \
            return false;                                                    \
        kh_del(NAME, h, it);                                                 \
        return true;                                                         \
    }                                                                        \
    static uint64_t P##_iterate(void *t)                                     \
    {                                                                        \
        kh_##NAME##_t *h = t;                                                \
        uint64_t sum = 0;                                                    \
        for (khiter_t it = kh_begin(h); it != kh_end(h); ++it)               \
            if (kh_exist(h, it))                                             \
                sum += *(const uint64_t *)&kh_val(h, it);                    \
        return sum;                                                          \
    }                                                                        \
    static size_t P##_len(void *t) { return kh_size((kh_##NAME##_t *)t); }   \
    BENCH_C_OPS(P, K)

#define U64_KEY(k) (*(k))
#define STR_KEY(k) (*(k))
#define AS_IS(v) (v)

KHASH_BENCH(khash_u64, ku64, uint64_t, U64_KEY, AS_IS);
KHASH_BENCH(khash_str, kstr, bench_str, STR_KEY, AS_IS);
KHASH_BENCH(khash_big, kbig, uint64_t, U64_KEY, bench_big_of);
KHASH_BENCH(khash_same_u64, ku64s, uint64_t, U64_KEY, AS_IS);
KHASH_BENCH(khash_same_str, kstrs, bench_str, STR_KEY, AS_IS);
KHASH_BENCH(khash_same_big, kbigs, uint64_t, U64_KEY, bench_big_of);

const bench_table bench_khash = {
    "khash",
    .ops[BENCH_OWN] = { &khash_u64_ops, &khash_str_ops, &khash_big_ops },
    .ops[BENCH_SAME] = { &khash_same_u64_ops, &khash_same_str_ops, &khash_same_big_ops },
};
