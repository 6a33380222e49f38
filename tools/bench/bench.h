/*
 * bench.h - the interface between the benchmark driver (main.c) and the
 * tables it measures (table_*.c, table_*.cc): one bench_ops per table and
 * key type, each operation a whole timed loop inside the table's own file
 * so that the table's calls are inlined there as users would get them.
 *
 * Keys are passed as arrays: `const uint64_t *` for u64 keys and
 * `const char *const *` (pointers to 16-character NUL-terminated strings)
 * for string keys.  The entry inserted from keys[i] holds the value i + 1,
 * so 0 can mean "absent" and sums of values check every lookup.
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

typedef struct bench_ops {
    /* A new empty table with no size hint.  pool_n only sizes the node
     * pool of intrusive tables (uthash); real tables ignore it. */
    void *(*create)(size_t pool_n);
    void (*destroy)(void *t);
    /* Insert keys[first .. first+count) (all new), keys[i] -> i + 1. */
    void (*insert)(void *t, const void *keys, size_t first, size_t count);
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
    const bench_ops *u64; /* uint64_t -> uint64_t */
    const bench_ops *str; /* 16-char string -> uint64_t */
} bench_table;

/* The tables; which ones exist is decided by the build (BENCH_HAVE_*). */
extern const bench_table bench_hmap, bench_hmap_checked, bench_glib, bench_uthash, bench_stb,
    bench_boost, bench_absl;

/* Print "bench: <what>" to stderr and exit(2). */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void bench_die(const char *what);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_H */
