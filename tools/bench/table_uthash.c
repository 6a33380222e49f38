/*
 * table_uthash.c - uthash in the benchmark: intrusive items with a
 * UT_hash_handle, taken from one pool allocated when the table is created
 * (the items are the user's memory; only uthash's own bucket array is
 * allocated by the library).  Default hash function (Jenkins).  String
 * items point at the driver's strings, as HASH_ADD_KEYPTR users do.
 */
#include "bench_c.h"

#include <stdlib.h>
#include <string.h>

#define uthash_fatal(msg) bench_die(msg)
#include <uthash.h>

/* KEYPTR(k)/KEYLEN(k): the bytes uthash hashes for a pointer k to a key. */
#define UTHASH_BENCH(P, K, KEYPTR, KEYLEN)                                   \
    typedef struct P##_item {                                                \
        K key;                                                               \
        uint64_t val;                                                        \
        UT_hash_handle hh;                                                   \
    } P##_item;                                                              \
    typedef struct P##_table {                                               \
        P##_item *head, *pool;                                               \
        size_t used, cap;                                                    \
    } P##_table;                                                             \
    static void *P##_create(size_t pool_n)                                   \
    {                                                                        \
        P##_table *t = calloc(1, sizeof *t);                                 \
        if (!t || !(t->pool = malloc((pool_n ? pool_n : 1) * sizeof *t->pool))) \
            bench_die("out of memory");                                      \
        t->cap = pool_n;                                                     \
        return t;                                                            \
    }                                                                        \
    static void P##_destroy(void *tp)                                        \
    {                                                                        \
        P##_table *t = tp;                                                   \
        HASH_CLEAR(hh, t->head);                                             \
        free(t->pool);                                                       \
        free(t);                                                             \
    }                                                                        \
    static inline void P##_put(void *tp, const K *k, uint64_t v)             \
    {                                                                        \
        P##_table *t = tp;                                                   \
        if (t->used == t->cap)                                               \
            bench_die("uthash item pool exhausted");                         \
        P##_item *it = &t->pool[t->used++];                                  \
        it->key = *k;                                                        \
        it->val = v;                                                         \
        HASH_ADD_KEYPTR(hh, t->head, KEYPTR(&it->key), KEYLEN(&it->key), it); \
    }                                                                        \
    static inline P##_item *P##_find(P##_table *t, const K *k)               \
    {                                                                        \
        P##_item *it;                                                        \
        HASH_FIND(hh, t->head, KEYPTR(k), KEYLEN(k), it);                    \
        return it;                                                           \
    }                                                                        \
    static inline void P##_set(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        P##_item *it = P##_find(t, k); /* the item is the user's: update it */ \
        if (!it)                                                             \
            bench_die("uthash replace: key absent");                         \
        it->val = v;                                                         \
    }                                                                        \
    static inline uint64_t P##_get(void *t, const K *k)                      \
    {                                                                        \
        P##_item *it = P##_find(t, k);                                       \
        return it ? it->val : 0;                                             \
    }                                                                        \
    static inline bool P##_del(void *tp, const K *k)                         \
    {                                                                        \
        P##_table *t = tp;                                                   \
        P##_item *it = P##_find(t, k);                                       \
        if (it)                                                              \
            HASH_DEL(t->head, it);                                           \
        return it != NULL;                                                   \
    }                                                                        \
    static uint64_t P##_iterate(void *tp)                                    \
    {                                                                        \
        uint64_t sum = 0;                                                    \
        for (P##_item *it = ((P##_table *)tp)->head; it; it = it->hh.next)   \
            sum += it->val;                                                  \
        return sum;                                                          \
    }                                                                        \
    static size_t P##_len(void *tp) { return HASH_COUNT(((P##_table *)tp)->head); } \
    BENCH_C_OPS(P, K)

#define U64_BYTES(k) (k)
#define U64_LEN(k) sizeof(uint64_t)
#define STR_BYTES(k) (*(k))
#define STR_LEN(k) strlen(*(k))

UTHASH_BENCH(uthash_u64, uint64_t, U64_BYTES, U64_LEN);
UTHASH_BENCH(uthash_str, bench_str, STR_BYTES, STR_LEN);

const bench_table bench_uthash = {
    "uthash", .ops[BENCH_OWN] = { [BENCH_U64] = &uthash_u64_ops, [BENCH_STR] = &uthash_str_ops }
};
