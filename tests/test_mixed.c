/*
 * test_mixed.c - maps shared between plain and checked translation units
 * (DESIGN §4: one library serves both; Abseil's mixed builds crash).
 *
 * This file is plain; mixed_checked.c is checked.  A map made on either
 * side is filled, iterated, deleted from, verified and freed from the
 * other, with growth and relocation (relocate=always) along the way.
 */
#include "mixed.h"
#include "testutil.h"

static uint64_t plain_sum(hmap *m)
{
    uint64_t sum = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        sum += *(const uint64_t *)it.val;
    return sum;
}

static uint64_t sum_below(uint64_t n)
{
    return n * (n - 1) / 2;
}

START_TEST(test_plain_map_used_checked)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (uint64_t k = 0; k < 1000; k++)
        TU_EQ(hmap_set(m, &k, &k), 0);
    checked_fill(m, 1000, 5000);
    TU_EQ(checked_len(m), 5000);
    TU_EQ(checked_sum(m), sum_below(5000));
    TU_CHECK(checked_del(m, 42));
    TU_EQ(plain_sum(m), sum_below(5000) - 42);
    TU_CHECK(checked_verify(m));
    TU_CHECK(hmap_verify(m));
    checked_free(m);
}
END_TEST

START_TEST(test_checked_map_used_plain)
{
    hmap *m = checked_new();
    checked_fill(m, 0, 1000);
    for (uint64_t k = 1000; k < 5000; k++)
        TU_EQ(hmap_set(m, &k, &k), 0);
    uint64_t k = 7;
    TU_CHECK(hmap_del(m, &k));
    TU_EQ(hmap_len(m), 4999);
    TU_EQ(plain_sum(m), sum_below(5000) - 7);
    TU_EQ(checked_sum(m), sum_below(5000) - 7);
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        if (*(const uint64_t *)it.key % 2)
            hmap_iter_del(&it);
    TU_EQ(checked_len(m), 2500);
    TU_CHECK(hmap_verify(m));
    TU_CHECK(checked_verify(m));
    hmap_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mixed");
    TCase *tc = tu_tcase("mixed");
    tcase_add_test(tc, test_plain_map_used_checked);
    tcase_add_test(tc, test_checked_map_used_plain);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
