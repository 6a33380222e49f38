/*
 * reserve_stats.h - the test of hmap_reserve and hmap_stats, included by
 * test_basic.c (the plain build) and test_checked.c (the checked build),
 * so that both builds run the same checks.
 */
#ifndef HMAP_TEST_RESERVE_STATS_H
#define HMAP_TEST_RESERVE_STATS_H

#include "testutil.h"

#include <errno.h>

/* hmap_reserve makes room: inserting that many does not grow the map;
 * entries already there stay; hmap_stats says so. */
static void check_reserve_and_stats(void)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    struct hmap_stats s;
    hmap_stats(m, &s);
    TU_EQ(s.entries, 0);
    TU_EQ(s.growths, 0);
    for (uint64_t k = 0; k < 100; k++)
        TU_EQ_INT(hmap_set(m, &k, &k), 0);
    TU_EQ_INT(hmap_reserve(m, 20000), 0);
    hmap_stats(m, &s);
    TU_CHECK(s.capacity >= 20000);
    TU_CHECK(s.tables >= 1 && s.slots >= s.capacity);
    TU_EQ(s.entries, 100);
    uint64_t growths = s.growths;
    for (uint64_t k = 100; k < 20000; k++)
        TU_EQ_INT(hmap_set(m, &k, &k), 0);
    hmap_stats(m, &s);
    TU_EQ(s.entries, 20000);
    TU_CHECK(s.load > 0.0 && s.load <= 1.0);
    TU_CHECK(s.bytes >= 20000 * 16);
#ifndef HMAP_CHECKED
    TU_EQ(s.growths, growths); /* (the checked build's relocations count too) */
#else
    (void)growths;
#endif
    for (uint64_t k = 0; k < 20000; k++)
        TU_EQ(*(uint64_t *)hmap_get(m, &k), k);
    TU_CHECK(hmap_verify(m));
    TU_EQ_INT(hmap_reserve(m, 10), 0); /* already room: nothing to do */
    TU_EQ_INT(hmap_reserve(m, SIZE_MAX), EINVAL);
#ifndef HMAP_CHECKED
    TU_EQ_INT(hmap_reserve(NULL, 10), EINVAL); /* (checked: a write to a nil map, reported) */
#endif
    hmap_free(m);

    hmap *fresh = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0); /* no table yet */
    TU_EQ_INT(hmap_reserve(fresh, 1000), 0);
    hmap_stats(fresh, &s);
    TU_CHECK(s.capacity >= 1000);
    hmap_free(fresh);
    hmap_stats(NULL, &s);
    TU_EQ(s.entries, 0);
}

#endif
