/*
 * table_glib.c - GLib's GHashTable in the benchmark, used the usual way:
 * g_int64_hash/g_int64_equal with keys stored by pointer into the driver's
 * key array for u64, g_str_hash/g_str_equal for strings (the table stores
 * the pointer); values are stored in the gpointer itself.  Under --hash
 * same, bench_hash.h's hashes (cut to guint) with the same equalities.
 */
#include "bench_c.h"

#include "bench_hash.h"

#include <glib.h>
#include <string.h>

static guint same_hash_u64(gconstpointer key)
{
    return (guint)bench_hash_u64(*(const uint64_t *)key);
}

static guint same_hash_str(gconstpointer key)
{
    return (guint)bench_hash_str(key, strlen(key));
}

/* KEY(k) turns a pointer to a key-array element into GLib's key pointer. */
#define GLIB_BENCH(P, K, HASH, EQUAL, KEY)                                   \
    static void *P##_create(size_t pool_n)                                   \
    {                                                                        \
        (void)pool_n;                                                        \
        return g_hash_table_new(HASH, EQUAL);                                \
    }                                                                        \
    static void P##_destroy(void *t) { g_hash_table_destroy(t); }            \
    static inline void P##_put(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        g_hash_table_insert(t, KEY(k), GSIZE_TO_POINTER(v));                 \
    }                                                                        \
    static inline void P##_set(void *t, const K *k, uint64_t v)              \
    {                                                                        \
        g_hash_table_insert(t, KEY(k), GSIZE_TO_POINTER(v)); /* keeps the key */ \
    }                                                                        \
    static inline uint64_t P##_get(void *t, const K *k)                      \
    {                                                                        \
        return GPOINTER_TO_SIZE(g_hash_table_lookup(t, KEY(k)));             \
    }                                                                        \
    static inline bool P##_del(void *t, const K *k)                          \
    {                                                                        \
        return g_hash_table_remove(t, KEY(k));                               \
    }                                                                        \
    static uint64_t P##_iterate(void *t)                                     \
    {                                                                        \
        uint64_t sum = 0;                                                    \
        GHashTableIter it;                                                   \
        gpointer key, val;                                                   \
        g_hash_table_iter_init(&it, t);                                      \
        while (g_hash_table_iter_next(&it, &key, &val))                      \
            sum += GPOINTER_TO_SIZE(val);                                    \
        return sum;                                                          \
    }                                                                        \
    static size_t P##_len(void *t) { return g_hash_table_size(t); }          \
    BENCH_C_OPS(P, K)

#define KEY_BY_POINTER(k) ((gpointer)(k))
#define KEY_STRING(k) ((gpointer)*(k))

GLIB_BENCH(glib_u64, uint64_t, g_int64_hash, g_int64_equal, KEY_BY_POINTER);
GLIB_BENCH(glib_str, bench_str, g_str_hash, g_str_equal, KEY_STRING);
GLIB_BENCH(glib_same_u64, uint64_t, same_hash_u64, g_int64_equal, KEY_BY_POINTER);
GLIB_BENCH(glib_same_str, bench_str, same_hash_str, g_str_equal, KEY_STRING);

const bench_table bench_glib = {
    "glib",
    .ops[BENCH_OWN] = { [BENCH_U64] = &glib_u64_ops, [BENCH_STR] = &glib_str_ops },
    .ops[BENCH_SAME] = { [BENCH_U64] = &glib_same_u64_ops, [BENCH_STR] = &glib_same_str_ops },
};
