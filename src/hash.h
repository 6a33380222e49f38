/*
 * hash.h - the mixing primitive and the fixed-size fast paths of hash.c,
 * inline so that the core's specialised lookups hash a 4- or 8-byte key
 * without a call.
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

static inline uint64_t hmap__fold_mul(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
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
 * low bits that pick the bucket.  The seed enters the first factor, so
 * which keys collide depends on it. */
static inline uint64_t hmap__hash_u64(uint64_t x, uint64_t seed)
{
    return hmap__fold_mul(x ^ seed, HASH_K0 ^ (x >> 32 | x << 32));
}

#endif
