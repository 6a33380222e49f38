/*
 * lifecycle_ops.c - the whole life of one small map, as the programs that
 * are full of them live it: create, n inserts, n hits and n misses,
 * iterate, delete a quarter, free.  Compiled twice (plain here, checked by
 * lifecycle_checked.c) so that hmap-lifecycle times both builds of the same
 * code in one process.
 */
#include <hmap.h>

#include <stdint.h>
#include <stdlib.h>

#ifndef LIFECYCLE_NAME
#define LIFECYCLE_NAME lifecycle_plain
#endif

/* Keys are k * 2 + 1 for hits and k * 2 + 2 for misses, spread by the
 * caller's offset so that maps do not all hold the same keys. */
uint64_t LIFECYCLE_NAME(size_t n, uint64_t offset)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    if (!m)
        abort();
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = offset + i * 2 + 1;
        if (hmap_set(m, &k, &k) != 0)
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t hit = offset + i * 2 + 1, miss = hit + 1;
        const uint64_t *v = hmap_get(m, &hit);
        sum += v ? *v : 0;
        sum += hmap_has(m, &miss);
    }
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it))
        sum += *(const uint64_t *)it.val;
    for (size_t i = 0; i < n; i += 4) {
        uint64_t k = offset + i * 2 + 1;
        sum += hmap_del(m, &k);
    }
    sum += hmap_len(m);
    hmap_free(m);
    return sum;
}
