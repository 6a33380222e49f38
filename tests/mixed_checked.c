/*
 * mixed_checked.c - the checked half of test_mixed: these functions are
 * compiled with HMAP_CHECKED, test_mixed.c without.
 */
#define HMAP_CHECKED 1
#include "mixed.h"

hmap *checked_new(void)
{
    return hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
}

void checked_fill(hmap *m, uint64_t from, uint64_t to)
{
    for (uint64_t k = from; k < to; k++)
        hmap_set(m, &k, &k);
}

uint64_t checked_sum(hmap *m)
{
    uint64_t sum = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        sum += *(const uint64_t *)it.val;
    return sum;
}

bool checked_del(hmap *m, uint64_t k)
{
    return hmap_del(m, &k);
}

size_t checked_len(hmap *m)
{
    return hmap_len(m);
}

bool checked_verify(hmap *m)
{
    return hmap_verify(m);
}

void checked_free(hmap *m)
{
    hmap_free(m);
}
