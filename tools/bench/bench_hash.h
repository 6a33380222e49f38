/*
 * bench_hash.h - the hashes every table uses under --hash same, so that
 * the tables are compared on what they do with a hash rather than on the
 * hash they come with.  Inline, for C and C++.
 *
 * u64 and big keys: one 64x64->128-bit multiply by the golden ratio, the
 * halves folded (the "mulx" mixer boost::unordered applies to a hash that
 * is not known to avalanche).  Strings: the same mixer over 8-byte words,
 * the length in the starting value.  Neither is seeded: hmap's per-map
 * seed is ignored, so that every table hashes a key to the same value.
 * Both avalanche well enough for the tables that use the high bits (the
 * control bytes of boost, absl and hmap) and those that use the low ones
 * (khash, GLib).
 */
#ifndef BENCH_HASH_H
#define BENCH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BENCH_HASH_K0 0x9e3779b97f4a7c15ull
#define BENCH_HASH_K1 0xbf58476d1ce4e5b9ull

static inline uint64_t bench_mulx(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t bench_hash_u64(uint64_t x)
{
    return bench_mulx(x, BENCH_HASH_K0);
}

static inline uint64_t bench_hash_str(const char *s, size_t n)
{
    uint64_t h = BENCH_HASH_K1 ^ n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = bench_mulx(h ^ w, BENCH_HASH_K0);
    }
    if (n > 0) {
        w = 0;
        memcpy(&w, s, n);
        h = bench_mulx(h ^ w, BENCH_HASH_K1);
    }
    return h;
}

#endif /* BENCH_HASH_H */
