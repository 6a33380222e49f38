/*
 * hash.c - hmap's seeded hash functions.
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

uint64_t hmap_hash_cstr(const void *key, uint64_t seed)
{
    const char *s = *(const char *const *)key;
    return hmap_hash_bytes(s, strlen(s), seed);
}

bool hmap_equal_cstr(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return x == y || strcmp(x, y) == 0;
}
