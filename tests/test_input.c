/*
 * test_input.c - bad and borderline input, as documented in hmap.h:
 *  - absurd hints (SIZE_MAX, 1 << 62, SIZE_MAX / 2) give NULL with errno
 *    EINVAL; small and moderate hints give a working map;
 *  - bad descriptors (NULL, key_size 0, alignments that are not powers of
 *    two or are above 4096) give NULL with errno EINVAL; alignment 0 means
 *    natural alignment;
 *  - hmap_new copies the descriptor;
 *  - reading a NULL map is Go's nil map: hmap_len 0, hmap_get NULL,
 *    hmap_has false, iteration yields nothing; hmap_free(NULL) is a no-op;
 *  - hmap_set with a NULL value (values of non-zero size) is EINVAL with
 *    the map untouched; a set takes a NULL value; hmap_iter_del without a
 *    current entry does nothing.
 */
#include "testutil.h"

#include <errno.h>
#include <string.h>

START_TEST(absurd_hints)
{
    static const size_t hints[] = {SIZE_MAX, (size_t)1 << 62, SIZE_MAX / 2, SIZE_MAX - 7};
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    for (size_t i = 0; i < sizeof hints / sizeof *hints; i++) {
        errno = 0;
        hmap *m = hmap_new(&t, hints[i]);
        TU_ASSERT(m == NULL, "hmap_new(hint %#zx) returned a map", hints[i]);
        TU_ASSERT(errno == EINVAL, "hmap_new(hint %#zx): errno %d, expected EINVAL", hints[i],
                  errno);
    }
    /* big values make a smaller hint absurd too */
    struct huge {
        char b[1 << 16];
    };
    hmap_type th = HMAP_TYPE(uint64_t, struct huge);
    errno = 0;
    TU_NULL(hmap_new(&th, (size_t)1 << 50));
    TU_EQ_INT(errno, EINVAL);
}
END_TEST

START_TEST(small_hints)
{
    static const size_t hints[] = {0, 1, 2, 7, 8, 9, 13, 14, 100, 1000, 100000};
    for (size_t h = 0; h < sizeof hints / sizeof *hints; h++) {
        hmap *m = tu_new_u64(hints[h]);
        tu_model md;
        tu_model_init(&md);
        TU_CHECK(hmap_verify(m));
        size_t n = hints[h] * 2 + 20;
        if (n > 20000)
            n = 20000;
        for (size_t i = 0; i < n; i++) {
            TU_SET(m, &md, tu_key(i), tu_val(tu_key(i)));
            if (i == hints[h])
                TU_CHECK_MODEL(m, &md);
        }
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

static void expect_einval(const hmap_type *t, const char *what)
{
    errno = 0;
    hmap *m = hmap_new(t, 0);
    TU_ASSERT(m == NULL, "%s: hmap_new returned a map", what);
    TU_ASSERT(errno == EINVAL, "%s: errno %d, expected EINVAL", what, errno);
    errno = 0;
    m = hmap_new(t, 100);
    TU_ASSERT(m == NULL && errno == EINVAL, "%s (hint 100): not NULL/EINVAL", what);
}

START_TEST(bad_descriptors)
{
    expect_einval(NULL, "NULL type");

    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    t.key_size = 0;
    expect_einval(&t, "key_size 0");

    t = HMAP_TYPE(uint64_t, uint64_t);
    t.key_align = 3;
    expect_einval(&t, "key_align 3");

    t = HMAP_TYPE(uint64_t, uint64_t);
    t.val_align = 6;
    expect_einval(&t, "val_align 6");

    t = HMAP_TYPE(uint64_t, uint64_t);
    t.key_align = 8192;
    expect_einval(&t, "key_align 8192");

    t = HMAP_TYPE(uint64_t, uint64_t);
    t.val_align = 8192;
    expect_einval(&t, "val_align 8192");

    t = HMAP_TYPE(uint64_t, uint64_t);
    t.val_align = (size_t)1 << 40;
    expect_einval(&t, "val_align 2^40");

    t = HMAP_SET_TYPE(uint64_t);
    t.key_align = 12;
    expect_einval(&t, "set, key_align 12");
}
END_TEST

START_TEST(natural_alignment)
{
    /* alignment 0: the natural alignment of the size */
    hmap_type t = {"u32 -> u16 (natural)", 4, 0, 2, 0, NULL, NULL};
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    for (uint32_t i = 0; i < 1000; i++) {
        uint16_t *v = hmap_put(m, &i, NULL);
        TU_NONNULL(v);
        TU_EQ((uintptr_t)v % 2, 0);
        *v = (uint16_t)(i * 3);
    }
    for (uint32_t i = 0; i < 1000; i++) {
        uint16_t *v = hmap_get(m, &i);
        TU_NONNULL(v);
        TU_EQ(*v, (uint16_t)(i * 3));
    }
    /* A 4-byte key beside a 2-byte value: aligned as the key's size says,
     * entries are 8 bytes apart; with an alignment of 1 they would be 6,
     * and every other key would be misaligned. */
    hmap_iter it;
    size_t seen = 0;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it); seen++)
        TU_EQ((uintptr_t)it.key % 4, 0);
    TU_EQ(seen, 1000);
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

START_TEST(descriptor_is_copied)
{
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    memset(&t, 0xff, sizeof t); /* garbage now: the map must not look at it */
    tu_model md;
    tu_model_init(&md);
    for (size_t i = 0; i < 1000; i++)
        TU_SET(m, &md, tu_key(i), i);
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

START_TEST(null_map_reads)
{
    uint64_t k = 1;
    TU_EQ(hmap_len(NULL), 0);
    TU_NULL(hmap_get(NULL, &k));
    TU_CHECK(!hmap_has(NULL, &k));
    hmap_iter it;
    memset(&it, 0x5a, sizeof it);
    hmap_iter_init(&it, NULL);
    TU_CHECK(!hmap_iter_next(&it));
    TU_CHECK(!hmap_iter_next(&it)); /* and stays at the end */
    hmap_free(NULL);
}
END_TEST

START_TEST(null_value_to_set)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    uint64_t k = 1, v = 7;
    TU_EQ_INT(hmap_set(m, &k, &v), 0);
    TU_EQ_INT(hmap_set(m, &k, NULL), EINVAL);
    uint64_t k2 = 2;
    TU_EQ_INT(hmap_set(m, &k2, NULL), EINVAL);
    TU_EQ(hmap_len(m), 1);
    TU_EQ(*(uint64_t *)hmap_get(m, &k), 7);
    TU_CHECK(!hmap_has(m, &k2));
    hmap_free(m);

    hmap *set = hmap_new(&HMAP_SET_TYPE(uint64_t), 0);
    TU_EQ_INT(hmap_set(set, &k, NULL), 0);
    TU_CHECK(hmap_has(set, &k));
    hmap_free(set);
}
END_TEST

START_TEST(iter_del_without_entry)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (uint64_t k = 0; k < 3; k++)
        TU_EQ_INT(hmap_set(m, &k, &k), 0);
    hmap_iter it;
    hmap_iter_init(&it, m);
    hmap_iter_del(&it); /* before the first next */
    TU_EQ(hmap_len(m), 3);
    TU_CHECK(hmap_iter_next(&it));
    hmap_iter_del(&it);
    hmap_iter_del(&it); /* twice */
    TU_EQ(hmap_len(m), 2);
    while (hmap_iter_next(&it))
        ;
    hmap_iter_del(&it); /* after the end */
    TU_EQ(hmap_len(m), 2);
    hmap_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("input");
    TCase *tc = tu_tcase("hints");
    tcase_add_test(tc, absurd_hints);
    tcase_add_test(tc, small_hints);
    suite_add_tcase(s, tc);

    tc = tu_tcase("descriptors");
    tcase_add_test(tc, bad_descriptors);
    tcase_add_test(tc, natural_alignment);
    tcase_add_test(tc, descriptor_is_copied);
    suite_add_tcase(s, tc);

    tc = tu_tcase("null_map");
    tcase_add_test(tc, null_map_reads);
    suite_add_tcase(s, tc);

    tc = tu_tcase("arguments");
    tcase_add_test(tc, null_value_to_set);
    tcase_add_test(tc, iter_del_without_entry);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
