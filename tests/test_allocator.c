/*
 * test_allocator.c - a program's own allocator (hmap_set_allocator), as
 * documented in hmap.h (suite `unit`; built twice, plain and checked):
 *  - it serves every map header, and every directory and table below
 *    256 KiB: each block is freed with the size and alignment it was
 *    allocated with, exactly once, and aligned as asked (plain build: none
 *    is left at the end);
 *  - when it fails, the call fails with ENOMEM and the map holds exactly
 *    what it held, at every allocation a sequence of inserts makes;
 *  - it can only be set before the library's first allocation.
 * Each test runs in a process of its own (Check forks), so each sets the
 * allocator before its first map.
 */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- an allocator that keeps books and fails on demand ------------------ */

enum { BLOCKS = 1 << 16 };

static struct block {
    void *p;
    size_t size, align;
} blocks[BLOCKS];
static size_t nblocks, allocs, frees, bad_frees;
static long calls, fail_at; /* fail the call numbered fail_at (0: none) */

static void *counting_alloc(size_t size, size_t align, void *ctx)
{
    TU_PTR_EQ(ctx, &blocks);
    if (fail_at && ++calls == fail_at)
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size) != 0)
        return NULL;
    memset(p, 0xa5, size); /* the map must not rely on zeroed memory */
    TU_ASSERT(nblocks < BLOCKS, "too many live blocks");
    blocks[nblocks++] = (struct block){ p, size, align };
    allocs++;
    return p;
}

static void counting_free(void *p, size_t size, size_t align, void *ctx)
{
    TU_PTR_EQ(ctx, &blocks);
    for (size_t i = 0; i < nblocks; i++) {
        if (blocks[i].p == p) {
            if (blocks[i].size != size || blocks[i].align != align)
                bad_frees++;
            blocks[i] = blocks[--nblocks];
            frees++;
            free(p);
            return;
        }
    }
    bad_frees++; /* not ours, or freed twice */
}

static const hmap_allocator counting = { counting_alloc, counting_free, &blocks };

/* ---- the tests ----------------------------------------------------------- */

START_TEST(test_allocator_serves_maps)
{
    TU_EQ_INT(hmap_set_allocator(&counting), 0);
    static const char *const names[] = { "alpha", "beta", "gamma", "delta" };
    for (int round = 0; round < 3; round++) {
        hmap *u = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), round == 1 ? 1000 : 0);
        hmap *s = hmap_new(&HMAP_TYPE_CSTR(int), 0);
        TU_NONNULL(u);
        TU_NONNULL(s);
        for (uint64_t k = 0; k < 3000; k++) /* small tables, doubling, then split */
            TU_EQ_INT(hmap_set(u, &k, &k), 0);
        for (int i = 0; i < 4; i++)
            TU_EQ_INT(hmap_set(s, &names[i], &i), 0);
        for (uint64_t k = 0; k < 3000; k += 2)
            TU_CHECK(hmap_del(u, &k));
        for (uint64_t k = 1; k < 3000; k += 2)
            TU_EQ(*(uint64_t *)hmap_get(u, &k), k);
        TU_CHECK(hmap_verify(u));
        hmap_free(u);
        hmap_free(s);
    }
    TU_CHECK(allocs > 0);
    TU_EQ(bad_frees, 0);
    for (size_t i = 0; i < nblocks; i++)
        TU_EQ((uintptr_t)blocks[i].p % blocks[i].align, 0);
#ifndef HMAP_CHECKED
    /* (the checked build keeps freed headers and retired tables queued a
     * while, to catch their use after the fact) */
    TU_EQ(nblocks, 0);
    TU_EQ(frees, allocs);
#endif
}
END_TEST

/* Fails each allocation a run of inserts makes, one run per allocation:
 * the failing insert reports ENOMEM and the map is unchanged. */
START_TEST(test_allocator_failure_keeps_map)
{
    TU_EQ_INT(hmap_set_allocator(&counting), 0);
    long failures = 0;
    for (long n = 1; n <= 40; n++) {
        hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
        TU_NONNULL(m);
        calls = 0;
        fail_at = n;
        uint64_t k = 0;
        for (; k < 2000; k++) {
            uint64_t v = k * 3;
            int err = hmap_set(m, &k, &v);
            if (err) {
                TU_EQ_INT(err, ENOMEM);
                break;
            }
        }
        fail_at = 0;
        if (k < 2000) {
            failures++;
            TU_EQ(hmap_len(m), k);
            for (uint64_t j = 0; j < k; j++)
                TU_EQ(*(uint64_t *)hmap_get(m, &j), j * 3);
            TU_CHECK(!hmap_has(m, &k));
            TU_CHECK(hmap_verify(m));
            uint64_t v = 1;
            TU_EQ_INT(hmap_set(m, &k, &v), 0); /* and it goes on */
        }
        hmap_free(m);
    }
    TU_ASSERT(failures >= 5, "only %ld runs met a failing allocation", failures);
    TU_EQ(bad_frees, 0);
}
END_TEST

START_TEST(test_allocator_only_before_first_map)
{
    hmap_allocator half = { counting_alloc, NULL, &blocks };
    TU_EQ_INT(hmap_set_allocator(&half), EINVAL);
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    TU_EQ_INT(hmap_set_allocator(&counting), EBUSY);
    TU_EQ_INT(hmap_set_allocator(NULL), EBUSY);
    uint64_t k = 1;
    TU_EQ_INT(hmap_set(m, &k, &k), 0);
    hmap_free(m);
    TU_EQ(allocs, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("allocator");
    TCase *tc = tu_tcase("allocator");
    tcase_add_test(tc, test_allocator_serves_maps);
    tcase_add_test(tc, test_allocator_failure_keeps_map);
    tcase_add_test(tc, test_allocator_only_before_first_map);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
