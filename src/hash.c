/*
 * hash.c - hmap's seeded hash functions, the public entry points.  Their
 * bodies are inline in hash.h, where the core's fast paths use them too.
 *
 * One primitive does all the mixing: multiply two 64-bit words into 128 bits
 * and fold the halves together with xor.  Every input bit reaches every
 * output bit through the high half of the product, and one multiply costs a
 * few cycles.  Keys of any length are consumed 16 bytes per round; short
 * keys are read with two overlapping loads so there is no byte loop.
 *
 * The seed is mixed into every round, so an attacker who does not know a
 * map's seed cannot choose keys that collide in it (hash flooding).
 */
#include "hash.h"

#include <string.h>

uint64_t hmap_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    return hmap__hash_bytes(p, n, seed);
}

uint64_t hmap_hash_cstr(const void *key, uint64_t seed)
{
    return hmap__hash_cstr(key, seed);
}

bool hmap_equal_cstr(const void *a, const void *b)
{
    return hmap__equal_cstr(a, b);
}
