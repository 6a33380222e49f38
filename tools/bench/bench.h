/*
 * bench.h - the interface between the benchmark driver (main.c) and the
 * tables it measures (table_*.c, table_*.cc): one bench_ops per table, key
 * type and hash, each operation a whole timed loop inside the table's own
 * file so that the table's calls are inlined there as users would get them.
 *
 * Keys are passed as arrays: `const uint64_t *` for u64 and big keys and
 * `const char *const *` (pointers to 16-character NUL-terminated strings)
 * for string keys.  The entry inserted from keys[i] holds the value i + 1
 * (for big keys, a bench_big whose first word is i + 1), so 0 can mean
 * "absent" and sums of values check every lookup.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_STR_LEN 16 /* characters in every string key, without the NUL */

/* A string key as stored in the key arrays (a typedef, so that
 * `const bench_str *` is `const char *const *`). */
typedef const char *bench_str;

/* The value of the big key type: 64 bytes.  Only w[0] carries the value
 * that sums check; the rest is there to be stored, copied and moved. */
typedef struct bench_big {
    uint64_t w[8];
} bench_big;

static inline bench_big bench_big_of(uint64_t v)
{
    bench_big b = { { 0 } };
    b.w[0] = v;
    return b;
}

/* The key types, as indexes of bench_table.ops. */
enum bench_keys {
    BENCH_U64, /* uint64_t -> uint64_t */
    BENCH_STR, /* 16-char string -> uint64_t */
    BENCH_BIG, /* uint64_t -> bench_big */
    BENCH_NKEYS
};

/* Which hash a table uses (--hash): its own default one, or the same one
 * as every other table (bench_hash.h). */
enum bench_hash { BENCH_OWN, BENCH_SAME, BENCH_NHASH };

typedef struct bench_ops {
    /* A new empty table with no size hint.  pool_n only sizes the node
     * pool of intrusive tables (uthash); real tables ignore it. */
    void *(*create)(size_t pool_n);
    void (*destroy)(void *t);
    /* Insert keys[first .. first+count) (all new), keys[i] -> i + 1. */
    void (*insert)(void *t, const void *keys, size_t first, size_t count);
    /* Set keys[0 .. n) (all present) again: keys[i] -> base + i + 1. */
    void (*replace)(void *t, const void *keys, size_t n, uint64_t base);
    /* Look up keys[0 .. n): the sum of the values found (absent adds 0). */
    uint64_t (*lookup)(void *t, const void *keys, size_t n);
    /* Erase keys[0 .. n): how many were removed. */
    size_t (*erase)(void *t, const void *keys, size_t n);
    /* Visit every entry: the sum of all values. */
    uint64_t (*iterate)(void *t);
    size_t (*len)(void *t);
} bench_ops;

typedef struct bench_table {
    const char *name;
    /* ops[hash][keys]; NULL where the table does not take part (the
     * driver refuses such a run, tools/bench.sh skips it). */
    const bench_ops *ops[BENCH_NHASH][BENCH_NKEYS];
} bench_table;

/* The tables; which ones exist is decided by the build (BENCH_HAVE_*). */
extern const bench_table bench_hmap, bench_hmap_checked, bench_glib, bench_uthash, bench_stb,
    bench_boost, bench_absl, bench_khash;

/* Print "bench: <what>" to stderr and exit(2). */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void bench_die(const char *what);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_H */
