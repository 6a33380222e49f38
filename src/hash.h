/*
 * hash.h - the mixing primitive and the hashes of hash.c, inline so that the
 * core's specialised lookups hash a 4- or 8-byte key, a C string or a key
 * of any size without a call.
 */
#ifndef HMAP_HASH_H
#define HMAP_HASH_H

#include "hmap.h"

#include <stdint.h>
#include <string.h>

/* Odd constants with balanced bits: the golden ratio and the finalisers of
 * splitmix64. */
#define HASH_K0 0x9e3779b97f4a7c15ull
#define HASH_K1 0xbf58476d1ce4e5b9ull
#define HASH_K2 0x94d049bb133111ebull

/* The next value of a splitmix64 stream (the map seeds, iteration start
 * points, and the checked runtime's sampling all draw from such streams). */
static inline uint64_t hmap__splitmix64(uint64_t *state)
{
    uint64_t z = (*state += HASH_K0);
    z = (z ^ (z >> 30)) * HASH_K1;
    z = (z ^ (z >> 27)) * HASH_K2;
    return z ^ (z >> 31);
}

/* The full 128-bit product of a and b, from 32-bit halves: for targets
 * without a 128-bit type (32-bit ones).  Returns the low half, stores the
 * high one. */
static inline uint64_t hmap__mul128_halves(uint64_t a, uint64_t b, uint64_t *hi)
{
    const uint64_t lo32 = 0xffffffffu;
    uint64_t ll = (a & lo32) * (b & lo32), hl = (a >> 32) * (b & lo32);
    uint64_t lh = (a & lo32) * (b >> 32), hh = (a >> 32) * (b >> 32);
    uint64_t mid = (ll >> 32) + (hl & lo32) + lh; /* cannot overflow */
    *hi = hh + (hl >> 32) + (mid >> 32);
    return (mid << 32) | (ll & lo32);
}

/* The 128-bit product of a and b: the low half, and the high one in *hi. */
static inline uint64_t hmap__mul128(uint64_t a, uint64_t b, uint64_t *hi)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 r = (unsigned __int128)a * b;
    *hi = (uint64_t)(r >> 64);
    return (uint64_t)r;
#else
    return hmap__mul128_halves(a, b, hi);
#endif
}

static inline uint64_t hmap__fold_mul(uint64_t a, uint64_t b)
{
    uint64_t hi, lo = hmap__mul128(a, b, &hi);
    return lo ^ hi;
}

static inline uint64_t hmap__load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t hmap__load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* One 64x64->128 multiply, halves folded.  Both factors depend on the key
 * (the second through its halves swapped): with a constant second factor,
 * keys that differ only in their high half (k << 32) collided often in the
 * low bits that pick the group.  The seed enters the first factor, so
 * which keys collide depends on it. */
static inline uint64_t hmap__hash_u64(uint64_t x, uint64_t seed)
{
    return hmap__fold_mul(x ^ seed, HASH_K0 ^ (x >> 32 | x << 32));
}

/* A user's hash, mixed once more before the map uses its bits: the map
 * takes the directory entry from the top bits and the group from the low
 * ones, so a hash with few good bits (a 32-bit one, or one that is the key
 * itself) would otherwise put every key in one table.  Boost and Abseil
 * mix user hashes the same way. */
static inline uint64_t hmap__remix(uint64_t h)
{
    return hmap__fold_mul(h, HASH_K1);
}

/* hmap_hash_bytes itself (see hash.c for the design), inline so that the
 * core's C-string keys are hashed without a call. */
static inline uint64_t hmap__hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *s = (const uint8_t *)p;
    uint64_t a, b;

    seed ^= hmap__fold_mul(seed ^ HASH_K0, HASH_K1);
    if (n <= 16) {
        if (n >= 8) {
            a = hmap__load64(s);
            b = hmap__load64(s + n - 8);
        } else if (n >= 4) {
            a = (uint64_t)hmap__load32(s) << 32 | hmap__load32(s + n - 4);
            b = 0;
        } else if (n > 0) {
            a = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t left = n;
        while (left > 16) {
            seed = hmap__fold_mul(hmap__load64(s) ^ HASH_K1, hmap__load64(s + 8) ^ seed);
            s += 16;
            left -= 16;
        }
        a = hmap__load64(s + left - 16);
        b = hmap__load64(s + left - 8);
    }
    return hmap__fold_mul(HASH_K2 ^ n, hmap__fold_mul(a ^ HASH_K1, b ^ seed));
}

/* hmap_hash_cstr and hmap_equal_cstr: a key is a const char *, and its
 * string is what counts. */
static inline uint64_t hmap__hash_cstr(const void *key, uint64_t seed)
{
    const char *s = *(const char *const *)key;
    return hmap__hash_bytes(s, strlen(s), seed);
}

static inline bool hmap__equal_cstr(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return x == y || strcmp(x, y) == 0;
}

#endif
