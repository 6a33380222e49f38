/*
 * bench_c.h - turns a C table's per-entry primitives into its bench_ops.
 *
 * A C table file defines, for a prefix P and key type K (the element type
 * of the key array: uint64_t or bench_str):
 *
 *     static void    *P_create(size_t pool_n);
 *     static void     P_destroy(void *t);
 *     static inline void     P_put(void *t, const K *k, uint64_t v); // k is new
 *     static inline void     P_set(void *t, const K *k, uint64_t v); // k is present
 *     static inline uint64_t P_get(void *t, const K *k);             // 0 if absent
 *     static inline bool     P_del(void *t, const K *k);
 *     static uint64_t P_iterate(void *t);                            // sum of values
 *     static size_t   P_len(void *t);
 *
 * and then writes BENCH_C_OPS(P, K) to get `static const bench_ops P_ops`
 * whose loops call the primitives inline.  For big keys (bench.h) K is
 * uint64_t and the primitives turn v into the bench_big they store (and
 * read back its first word).
 */
#ifndef BENCH_C_H
#define BENCH_C_H

#include "bench.h"

#define BENCH_C_OPS(P, K)                                                    \
    static void P##_insert(void *t, const void *keys, size_t first,          \
                           size_t count)                                     \
    {                                                                        \
        const K *k = keys;                                                   \
        for (size_t i = first; i < first + count; i++)                       \
            P##_put(t, &k[i], i + 1);                                        \
    }                                                                        \
    static void P##_replace(void *t, const void *keys, size_t n,             \
                            uint64_t base)                                   \
    {                                                                        \
        const K *k = keys;                                                   \
        for (size_t i = 0; i < n; i++)                                       \
            P##_set(t, &k[i], base + i + 1);                                 \
    }                                                                        \
    static uint64_t P##_lookup(void *t, const void *keys, size_t n)          \
    {                                                                        \
        const K *k = keys;                                                   \
        uint64_t sum = 0;                                                    \
        for (size_t i = 0; i < n; i++)                                       \
            sum += P##_get(t, &k[i]);                                        \
        return sum;                                                          \
    }                                                                        \
    static size_t P##_erase(void *t, const void *keys, size_t n)             \
    {                                                                        \
        const K *k = keys;                                                   \
        size_t removed = 0;                                                  \
        for (size_t i = 0; i < n; i++)                                       \
            removed += P##_del(t, &k[i]);                                    \
        return removed;                                                      \
    }                                                                        \
    static const bench_ops P##_ops = { P##_create,  P##_destroy, P##_insert, \
                                       P##_replace, P##_lookup,  P##_erase,  \
                                       P##_iterate, P##_len }

#endif /* BENCH_C_H */
