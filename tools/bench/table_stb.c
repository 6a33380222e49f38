/*
 * table_stb.c - stb_ds's hash maps in the benchmark: hmput/hmget/hmdel for
 * u64 keys, shput/shget/shdel for strings.  Strings use stb_ds's default
 * mode (no sh_new_strdup/sh_new_arena): the map stores the caller's
 * pointer without copying, the fastest normal usage and the same contract
 * as hmap's HMAP_TYPE_CSTR.  The implementation is compiled here.
 */
#include "bench_c.h"

#define STB_DS_IMPLEMENTATION
#include <stb/stb_ds.h> /* warning-free with -Wall -Wextra (gcc 12, clang 14) */

/* KEY(k) is stb's key for a pointer k to a key-array element. */
#define STB_BENCH(P, K, SK, PUT, GET, DEL, KEY)                              \
    typedef struct P##_kv {                                                  \
        SK key;                                                              \
        uint64_t value;                                                      \
    } P##_kv;                                                                \
    typedef struct P##_table {                                               \
        P##_kv *h; /* stb_ds moves the array: keep it behind a handle */     \
    } P##_table;                                                             \
    static void *P##_create(size_t pool_n)                                   \
    {                                                                        \
        (void)pool_n;                                                        \
        P##_table *t = calloc(1, sizeof *t);                                 \
        if (!t)                                                              \
            bench_die("out of memory");                                      \
        return t;                                                            \
    }                                                                        \
    static void P##_destroy(void *tp)                                        \
    {                                                                        \
        P##_table *t = tp;                                                   \
        hmfree(t->h);                                                        \
        free(t);                                                             \
    }                                                                        \
    static inline void P##_put(void *tp, const K *k, uint64_t v)             \
    {                                                                        \
        P##_table *t = tp;                                                   \
        PUT(t->h, KEY(k), v);                                                \
    }                                                                        \
    static inline void P##_set(void *tp, const K *k, uint64_t v)             \
    {                                                                        \
        P##_table *t = tp;                                                   \
        PUT(t->h, KEY(k), v); /* hmput/shput replace a present key's value */ \
    }                                                                        \
    static inline uint64_t P##_get(void *tp, const K *k)                     \
    {                                                                        \
        P##_table *t = tp;                                                   \
        return GET(t->h, KEY(k));                                            \
    }                                                                        \
    static inline bool P##_del(void *tp, const K *k)                         \
    {                                                                        \
        P##_table *t = tp;                                                   \
        return DEL(t->h, KEY(k));                                            \
    }                                                                        \
    static uint64_t P##_iterate(void *tp)                                    \
    {                                                                        \
        P##_table *t = tp;                                                   \
        uint64_t sum = 0;                                                    \
        for (ptrdiff_t i = 0; i < hmlen(t->h); i++)                          \
            sum += t->h[i].value;                                            \
        return sum;                                                          \
    }                                                                        \
    static size_t P##_len(void *tp) { return hmlenu(((P##_table *)tp)->h); } \
    BENCH_C_OPS(P, K)

#define U64_KEY(k) (*(k))
#define STR_KEY(k) ((char *)*(k))

STB_BENCH(stb_u64, uint64_t, uint64_t, hmput, hmget, hmdel, U64_KEY);
STB_BENCH(stb_str, bench_str, char *, shput, shget, shdel, STR_KEY);

const bench_table bench_stb = {
    "stb_ds", .ops[BENCH_OWN] = { [BENCH_U64] = &stb_u64_ops, [BENCH_STR] = &stb_str_ops }
};
