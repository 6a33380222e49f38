/*
 * test_iter.c - iteration:
 *  - every entry visited exactly once, with its value, at sizes 0, 1, 7, 8,
 *    9, 13, 100, 1000, 10000, 100000 (with and without a hint), and after
 *    every single insert from 1 to 3000 entries, so that iterations start
 *    just before and just after every doubling of the first table and its
 *    first splits; also under insert/delete churn (which rebuilds a table
 *    at the same size);
 *  - the order is randomised: it differs within 1000 iterations for maps of
 *    3, 7, 9 and 15 entries and for a sparse map (1000 inserted, 980
 *    deleted);
 *  - hmap_iter_del during iteration: every other entry, every entry, by a
 *    property of the key, breaking off early, on maps of every size around
 *    their growth points, and in a long probe sequence shared by a third of
 *    the keys among keys that hash well; every entry is still visited
 *    exactly once, and the map matches the model (and hmap_verify)
 *    afterwards;
 *  - an iterator that reached the end stays there.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void fill(hmap *m, tu_model *md, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        TU_SET(m, md, tu_key(i), tu_val(tu_key(i)));
}

/* ---- visited exactly once ---------------------------------------------------- */

START_TEST(each_entry_once_at_sizes)
{
    static const size_t sizes[] = {0, 1, 7, 8, 9, 13, 100, 1000, 10000, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        for (int with_hint = 0; with_hint < 2; with_hint++) {
            size_t n = sizes[s];
            hmap *m = tu_new_u64(with_hint ? n : 0);
            tu_model md;
            tu_model_init(&md);
            fill(m, &md, 0, n);
            TU_CHECK_MODEL(m, &md);
            for (int again = 0; again < 3; again++)
                TU_CHECK_ITER(m, &md);
            tu_model_free(&md);
            hmap_free(m);
        }
    }
}
END_TEST

/* Iterates after every insert (and, with deletes, after every third insert
 * deletes an older key too): some iterations start just before a growth,
 * some just after it (a table doubled, or split in two), and with deletes
 * they also meet deleted slots, and tables rebuilt at the same size. */
static void iterate_while_growing(bool with_deletes)
{
    const size_t n = 3000;
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    for (size_t i = 0; i < n; i++) {
        TU_SET(m, &md, tu_key(i), tu_val(tu_key(i)));
        if (with_deletes && i % 3 == 2) {
            uint64_t k = tu_key(i / 2);
            TU_CHECK(hmap_del(m, &k) == tu_model_del(&md, k));
        }
        TU_ASSERT(hmap_verify(m), "hmap_verify failed at step %zu", i);
        TU_CHECK_ITER(m, &md);
    }
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}

START_TEST(each_entry_once_during_growth)
{
    iterate_while_growing(false);
}
END_TEST

START_TEST(each_entry_once_with_deletes_during_growth)
{
    iterate_while_growing(true);
}
END_TEST

START_TEST(each_entry_once_under_churn)
{
    /* a window of ~300 live keys sliding over 30000 keys: lots of deleted
     * slots, stale overflow bits, tables rebuilt at the same size */
    const size_t n = tu_scaled(30000, 3000), window = 300;
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    for (size_t i = 0; i < n; i++) {
        TU_SET(m, &md, tu_key(i), i);
        if (i >= window) {
            uint64_t k = tu_key(i - window);
            TU_CHECK(hmap_del(m, &k));
            tu_model_del(&md, k);
        }
        if (i % 7 == 0) {
            TU_ASSERT(hmap_verify(m), "hmap_verify failed at step %zu", i);
            TU_CHECK_ITER(m, &md);
        }
    }
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

START_TEST(finished_iterator_stays_finished)
{
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    fill(m, &md, 0, 50);
    hmap_iter it;
    hmap_iter_init(&it, m);
    size_t count = 0;
    while (hmap_iter_next(&it))
        count++;
    TU_EQ(count, 50);
    TU_CHECK(!hmap_iter_next(&it));
    TU_CHECK(!hmap_iter_next(&it));
    /* breaking out early needs no clean-up; writes are fine afterwards */
    hmap_iter_init(&it, m);
    TU_CHECK(hmap_iter_next(&it));
    fill(m, &md, 50, 500);
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* ---- randomised order -------------------------------------------------------- */

/* Iterates m (of n entries) 1000 times; true if some order differed from
 * the first.  (A map of 3 entries holds them in slots 0-2 of one group,
 * whose walk starts at one of 16 places: two of them change the order.) */
static bool order_varies(hmap *m, size_t n)
{
    uint64_t *first = malloc(n * sizeof *first), *cur = malloc(n * sizeof *cur);
    TU_CHECK(first && cur);
    bool varied = false;
    for (int round = 0; round < 1000 && !varied; round++) {
        size_t i = 0;
        hmap_iter it;
        hmap_iter_init(&it, m);
        while (hmap_iter_next(&it)) {
            TU_CHECK(i < n);
            memcpy(&cur[i++], it.key, sizeof *cur);
        }
        TU_EQ(i, n);
        if (round == 0)
            memcpy(first, cur, n * sizeof *cur);
        else if (memcmp(first, cur, n * sizeof *cur) != 0)
            varied = true;
    }
    free(first);
    free(cur);
    return varied;
}

START_TEST(order_randomised_small)
{
    static const size_t sizes[] = {3, 7, 9, 15};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        hmap *m = tu_new_u64(0);
        tu_model md;
        tu_model_init(&md);
        fill(m, &md, 0, sizes[s]);
        TU_ASSERT(order_varies(m, sizes[s]),
                  "1000 iterations of a map of %zu entries all had the same order", sizes[s]);
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

START_TEST(order_randomised_sparse)
{
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    fill(m, &md, 0, 1000);
    for (size_t i = 0; i < 980; i++) {
        uint64_t k = tu_key(i * 7 % 1000); /* 7 is coprime to 1000: 980 distinct keys */
        TU_CHECK(hmap_del(m, &k));
        tu_model_del(&md, k);
    }
    TU_CHECK_MODEL(m, &md);
    TU_ASSERT(order_varies(m, 20), "1000 iterations of a sparse map all had the same order");
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* ---- hmap_iter_del ------------------------------------------------------------- */

enum del_mode {
    DEL_EVERY_OTHER, /* the 2nd, 4th, ... entry visited */
    DEL_ALL,
    DEL_ODD_KEYS,    /* entries whose key is odd */
};

/* One iteration over m that deletes entries by `mode` with hmap_iter_del,
 * stopping after `limit` entries (0: no limit).  Checks that every entry is
 * visited at most once (exactly once without a limit) with its value, that
 * deleted keys are gone at once, and that the map equals the model after. */
static void iterate_deleting(hmap *m, tu_model *md, enum del_mode mode, size_t limit)
{
    tu_model orig;
    tu_model_copy(&orig, md);
    unsigned char *seen = calloc(orig.cap, 1);
    TU_NONNULL(seen);
    size_t visited = 0;
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it)) {
        uint64_t k, v;
        memcpy(&k, it.key, sizeof k);
        memcpy(&v, it.val, sizeof v);
        size_t slot = tu_model_slot(&orig, k);
        TU_ASSERT(slot != SIZE_MAX, "iteration visited unknown key %#llx",
                  (unsigned long long)k);
        TU_ASSERT(!seen[slot], "iteration visited key %#llx twice", (unsigned long long)k);
        seen[slot] = 1;
        TU_EQ(v, orig.vals[slot]);
        visited++;
        bool del = mode == DEL_ALL || (mode == DEL_EVERY_OTHER && visited % 2 == 0) ||
                   (mode == DEL_ODD_KEYS && (k & 1));
        if (del) {
            size_t before = hmap_len(m);
            hmap_iter_del(&it);
            tu_model_del(md, k);
            TU_EQ(hmap_len(m), before - 1);
            TU_ASSERT(!hmap_has(m, &k), "key deleted by hmap_iter_del still present");
        }
        if (limit && visited == limit)
            break;
    }
    if (!limit || limit > orig.len)
        TU_ASSERT(visited == orig.len, "iteration with deletes visited %zu of %zu entries",
                  visited, orig.len);
    free(seen);
    tu_model_free(&orig);
    TU_CHECK_MODEL(m, md);
}

START_TEST(iter_del_every_other)
{
    static const size_t sizes[] = {1, 2, 7, 8, 9, 13, 100, 1000, 10000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        hmap *m = tu_new_u64(0);
        tu_model md;
        tu_model_init(&md);
        fill(m, &md, 0, sizes[s]);
        iterate_deleting(m, &md, DEL_EVERY_OTHER, 0);
        TU_EQ(hmap_len(m), sizes[s] - sizes[s] / 2);
        iterate_deleting(m, &md, DEL_EVERY_OTHER, 0); /* and again */
        /* the map keeps working */
        fill(m, &md, sizes[s], 2 * sizes[s] + 10);
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

START_TEST(iter_del_all)
{
    static const size_t sizes[] = {1, 8, 9, 100, 1000, 10000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        hmap *m = tu_new_u64(0);
        tu_model md;
        tu_model_init(&md);
        fill(m, &md, 0, sizes[s]);
        iterate_deleting(m, &md, DEL_ALL, 0);
        TU_EQ(hmap_len(m), 0);
        TU_EQ(tu_iter_count(m), 0);
        fill(m, &md, 0, sizes[s]); /* reusable */
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

START_TEST(iter_del_by_key_and_early_break)
{
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    fill(m, &md, 0, 5000);
    iterate_deleting(m, &md, DEL_ODD_KEYS, 0);
    for (size_t i = 0; i < 5000; i++) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_has(m, &k) == !(k & 1));
    }
    /* delete a few and break off, several times */
    for (int round = 0; round < 10; round++)
        iterate_deleting(m, &md, DEL_ALL, 37);
    iterate_deleting(m, &md, DEL_EVERY_OTHER, 500);
    fill(m, &md, 5000, 8000);
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* A third of the keys share one hash value, the rest hash well: the third
 * share one probe sequence and fill group after group along it (setting
 * overflow bits as they pass each full one), among groups of ordinary
 * keys, so that the iterator walks full groups and sparse ones alike, and
 * hmap_iter_del empties slots that the long probe sequence still passes. */
static uint64_t one_probe_hash(const void *key, uint64_t seed)
{
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return k % 3 == 0 ? 0x5555 : tu_mix(k ^ seed);
}

START_TEST(iter_del_in_a_long_probe_sequence)
{
    static const size_t sizes[] = {30, 300, 3000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
        t.hash = one_probe_hash;
        hmap *m = hmap_new(&t, 0);
        TU_NONNULL(m);
        tu_model md;
        tu_model_init(&md);
        fill(m, &md, 0, sizes[s]);
        iterate_deleting(m, &md, DEL_EVERY_OTHER, 0);
        TU_CHECK(hmap_verify(m));
        iterate_deleting(m, &md, DEL_ODD_KEYS, 0);
        TU_CHECK(hmap_verify(m));
        iterate_deleting(m, &md, DEL_ALL, 0);
        TU_EQ(hmap_len(m), 0);
        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

START_TEST(iter_del_during_growth)
{
    /* every size from 1 to 700, and sizes from just past a growth point
     * beyond that: iterations over maps just before and just after their
     * tables grow */
    for (size_t n = 1; n <= 700; n++) {
        hmap *m = tu_new_u64(0);
        tu_model md;
        tu_model_init(&md);
        fill(m, &md, 0, n);
        iterate_deleting(m, &md, n % 3 == 0 ? DEL_ALL : DEL_EVERY_OTHER, 0);
        hmap_free(m);
        tu_model_free(&md);
    }
    size_t p = tu_growth_point(3000);
    for (size_t n = p; n < p + 300; n += 7) {
        hmap *m = tu_new_u64(0);
        tu_model md;
        tu_model_init(&md);
        fill(m, &md, 0, n + 1);
        iterate_deleting(m, &md, n % 2 ? DEL_ODD_KEYS : DEL_EVERY_OTHER, 0);
        /* growth goes on correctly afterwards */
        fill(m, &md, n + 1, n + 400);
        TU_CHECK_MODEL(m, &md);
        hmap_free(m);
        tu_model_free(&md);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("iter");
    TCase *tc = tu_tcase("visit_once");
    tcase_add_test(tc, each_entry_once_at_sizes);
    tcase_add_test(tc, each_entry_once_during_growth);
    tcase_add_test(tc, each_entry_once_with_deletes_during_growth);
    tcase_add_test(tc, each_entry_once_under_churn);
    tcase_add_test(tc, finished_iterator_stays_finished);
    suite_add_tcase(s, tc);

    tc = tu_tcase("order");
    tcase_add_test(tc, order_randomised_small);
    tcase_add_test(tc, order_randomised_sparse);
    suite_add_tcase(s, tc);

    tc = tu_tcase("iter_del");
    tcase_add_test(tc, iter_del_every_other);
    tcase_add_test(tc, iter_del_all);
    tcase_add_test(tc, iter_del_by_key_and_early_break);
    tcase_add_test(tc, iter_del_during_growth);
    tcase_add_test(tc, iter_del_in_a_long_probe_sequence);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
