/*
 * test_alloc_fail.c - running out of memory never loses an entry.
 *
 * With the test hooks of hmap_testing.h, each sweep fails every allocation
 * of a sequence in turn: it counts the allocations the sequence makes
 * (hmap_testing_alloc_count), then for N = 1 .. that count (plus slack, as
 * which table splits when depends on the per-map seed) replays the sequence
 * on a fresh map with the N-th allocation failing.  At the operation that hits
 * the failure:
 *  - hmap_put returns NULL with errno ENOMEM, hmap_set returns ENOMEM, and
 *    the map holds exactly the model's contents (length, every key with its
 *    value, iteration, hmap_verify); then the operation is retried with
 *    failures off and the sequence continues;
 *  - hmap_put and hmap_set must report the failure; hmap_del, which has no
 *    way to report one, would be allowed to absorb it (it allocates nothing
 *    today: a deletion never grows the map) but must leave the map exactly
 *    right as well;
 * and at the end the map holds the whole sequence's result.
 *
 * Sequences: a map filled to just before the insert that grows it
 * (tu_growth_point) that then inserts on through that growth and the
 * next, small and large; a map grown from empty with hint 0, and one made
 * with hint 500; each with put only, set only, and a mix of put/set/del.  Also hmap_new itself (every
 * allocation, several hints), hmap_clear and hmap_reserve.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hmap_testing.h>
#include "hmap_internal.h"

enum op_kind { OP_PUT, OP_SET, OP_DEL };

struct op {
    enum op_kind kind;
    uint64_t key, val;
};

enum mix { MIX_PUT, MIX_SET, MIX_ALL };

static const char *const mix_names[] = {"put", "set", "put/set/del"};

/* A sequence inserting standard keys first .. first+len-1 (with MIX_ALL,
 * some set, and every fourth operation deletes an older key instead). */
static struct op *make_ops(size_t first, size_t len, enum mix mix)
{
    struct op *ops = malloc(len * sizeof *ops);
    TU_NONNULL(ops);
    for (size_t j = 0; j < len; j++) {
        uint64_t k = tu_key(first + j);
        ops[j] = (struct op){mix == MIX_SET ? OP_SET : OP_PUT, k, tu_val(k)};
        if (mix == MIX_ALL) {
            if (j % 4 == 1)
                ops[j].kind = OP_SET;
            else if (j % 4 == 3)
                ops[j] = (struct op){OP_DEL, tu_key((first + j) / 2), 0};
        }
    }
    return ops;
}

/* Applies op to map and model; false if the map reported ENOMEM (and then
 * the model is untouched). */
static bool apply(hmap *m, tu_model *md, const struct op *op, size_t j)
{
    uint64_t k = op->key;
    switch (op->kind) {
    case OP_PUT: {
        bool inserted;
        errno = 0;
        uint64_t *v = hmap_put(m, &k, &inserted);
        if (!v) {
            TU_ASSERT(errno == ENOMEM, "op %zu: hmap_put returned NULL with errno %d", j, errno);
            return false;
        }
        TU_ASSERT(inserted == !tu_model_get(md, k, NULL), "op %zu: wrong `inserted`", j);
        if (inserted)
            TU_ASSERT(*v == 0, "op %zu: new slot not zero-filled", j);
        *v = op->val;
        tu_model_set(md, k, op->val);
        return true;
    }
    case OP_SET: {
        int rc = hmap_set(m, &k, &op->val);
        if (rc != 0) {
            TU_ASSERT(rc == ENOMEM, "op %zu: hmap_set returned %d", j, rc);
            return false;
        }
        tu_model_set(md, k, op->val);
        return true;
    }
    case OP_DEL:
        TU_ASSERT(hmap_del(m, &k) == tu_model_del(md, k), "op %zu: hmap_del wrong result", j);
        return true;
    }
    return false;
}

static void prefill(hmap *m, tu_model *md, size_t n)
{
    for (size_t i = 0; i < n; i++)
        TU_SET(m, md, tu_key(i), tu_val(tu_key(i)));
}

/* Allocations the sequence makes on a map prefilled with `pre` keys. */
static long count_allocs(size_t pre, size_t hint, const struct op *ops, size_t nops)
{
    hmap *m = tu_new_u64(hint);
    tu_model md;
    tu_model_init(&md);
    prefill(m, &md, pre);
    long before = hmap_testing_alloc_count();
    for (size_t j = 0; j < nops; j++)
        TU_CHECK(apply(m, &md, &ops[j], j));
    long n = hmap_testing_alloc_count() - before;
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
    return n;
}

/* The sweep described at the top; returns how many runs saw an ENOMEM. */
static size_t sweep_ops(const char *what, size_t pre, size_t hint, const struct op *ops, size_t nops)
{
    long total = 0;
    for (int dry = 0; dry < 3; dry++) {
        long c = count_allocs(pre, hint, ops, nops);
        if (c > total)
            total = c;
    }
    TU_ASSERT(total > 0, "%s: the sequence made no allocations", what);
    fprintf(stderr, "%s: %ld allocations to fail\n", what, total);

    size_t enomem_runs = 0;
    for (long n = 1; n <= total + 2; n++) {
        hmap *m = tu_new_u64(hint);
        tu_model md;
        tu_model_init(&md);
        prefill(m, &md, pre);

        long fail_at = hmap_testing_alloc_count() + n;
        hmap_testing_fail_nth_alloc(n);
        bool failed = false;
        for (size_t j = 0; j < nops; j++) {
            long before = hmap_testing_alloc_count();
            bool ok = apply(m, &md, &ops[j], j);
            bool hit = before < fail_at && hmap_testing_alloc_count() >= fail_at;
            if (!ok) {
                TU_ASSERT(hit, "%s, failing allocation %ld: op %zu reported ENOMEM "
                          "without an allocation failing", what, n, j);
                TU_CHECK(!failed);
                failed = true;
                enomem_runs++;
                /* exactly as before */
                TU_CHECK_MODEL(m, &md);
                hmap_testing_fail_nth_alloc(0);
                TU_ASSERT(apply(m, &md, &ops[j], j), "%s: retry of op %zu failed", what, j);
            } else if (hit) {
                /* only hmap_del, which cannot report a failure, may absorb
                 * one; its result must still be exact */
                TU_ASSERT(ops[j].kind == OP_DEL, "%s, failing allocation %ld: op %zu (%s) "
                          "succeeded although its allocation failed", what, n, j,
                          ops[j].kind == OP_PUT ? "hmap_put" : "hmap_set");
                TU_CHECK_MODEL(m, &md);
            }
            if (hit)
                hmap_testing_fail_nth_alloc(0);
        }
        hmap_testing_fail_nth_alloc(0);
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
    return enomem_runs;
}

/* Sweeps a map prefilled with `pre` keys, then inserting `len` more, with
 * each mix of operations. */
static void sweep(const char *what, size_t pre, size_t hint, size_t len)
{
    for (enum mix mix = MIX_PUT; mix <= MIX_ALL; mix++) {
        struct op *ops = make_ops(pre, len, mix);
        char name[128];
        snprintf(name, sizeof name, "%s (%s, %zu + %zu)", what, mix_names[mix], pre, len);
        size_t enomem_runs = sweep_ops(name, pre, hint, ops, len);
        fprintf(stderr, "%s: %zu runs reported ENOMEM\n", name, enomem_runs);
        TU_ASSERT(enomem_runs > 0, "%s: no injected failure ever reached the caller", name);
        free(ops);
    }
}

START_TEST(through_growth_small)
{
    /* just before the insert that grows the map, then on through that
     * growth and into the next one (below 1680 entries a table doubles, so
     * growth points double) */
    size_t p = tu_growth_point(300);
    sweep("small map through a growth", p, 0, 2 * p);
}
END_TEST

START_TEST(through_growth_large)
{
    size_t p = tu_growth_point(tu_scaled(5000, 1000));
    sweep("large map through a growth", p, 0, 2 * p);
}
END_TEST

START_TEST(from_empty_hint_0)
{
    sweep("map grown from empty", 0, 0, 1500);
}
END_TEST

START_TEST(from_hint)
{
    /* a hinted map: the first growth comes later */
    sweep("map made with hint 500", 0, 500, 1500);
}
END_TEST

START_TEST(new_map)
{
    static const size_t hints[] = {0, 1, 9, 1000, 100000};
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    for (size_t h = 0; h < sizeof hints / sizeof *hints; h++) {
        long before = hmap_testing_alloc_count();
        hmap *m = hmap_new(&t, hints[h]);
        TU_NONNULL(m);
        long total = hmap_testing_alloc_count() - before;
        hmap_free(m);
        TU_ASSERT(total > 0, "hmap_new made no allocation");

        for (long n = 1; n <= total + 1; n++) {
            long fail_at = hmap_testing_alloc_count() + n;
            hmap_testing_fail_nth_alloc(n);
            errno = 0;
            m = hmap_new(&t, hints[h]);
            bool hit = hmap_testing_alloc_count() >= fail_at;
            int err = errno;
            hmap_testing_fail_nth_alloc(0);
            if (hit) {
                TU_ASSERT(m == NULL, "hint %zu: hmap_new succeeded although allocation %ld "
                          "of %ld failed", hints[h], n, total);
                TU_ASSERT(err == ENOMEM, "hint %zu: errno %d, expected ENOMEM", hints[h], err);
                m = hmap_new(&t, hints[h]); /* and all is well afterwards */
            }
            TU_NONNULL(m);
            tu_model md;
            tu_model_init(&md);
            prefill(m, &md, 200);
            TU_CHECK_MODEL(m, &md);
            tu_model_free(&md);
            hmap_free(m);
        }
    }
}
END_TEST

/* hmap_clear cannot fail because it allocates nothing: it retires every
 * table and frees the directory, and the next insertion allocates afresh
 * (swept above). */
START_TEST(clear_allocates_nothing)
{
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    prefill(m, &md, 3000);
    long before = hmap_testing_alloc_count();
    hmap_clear(m);
    TU_EQ_INT(hmap_testing_alloc_count(), before);
    tu_model_clear(&md);
    TU_CHECK_MODEL(m, &md);
    prefill(m, &md, 100);
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* hmap_reserve from 500 entries to room for 100000 (its table rebuilt at
 * full size, the directory doubled, tables split), failing each allocation
 * it makes in turn: ENOMEM with the entries as they were, and the map
 * usable (a second reserve then succeeds). */
START_TEST(reserve_fails_cleanly)
{
    long total = 0;
    for (long n = 1;; n++) {
        hmap *m = tu_new_u64(0);
        tu_model md;
        tu_model_init(&md);
        for (uint64_t i = 0; i < 500; i++)
            TU_SET(m, &md, tu_key(i), tu_val(tu_key(i)));
        long before = hmap_testing_alloc_count();
        hmap_testing_fail_nth_alloc(n);
        int err = hmap_reserve(m, 100000);
        bool hit = hmap_testing_alloc_count() - before >= n;
        hmap_testing_fail_nth_alloc(0);
        TU_CHECK_MODEL(m, &md);
        if (!hit) {
            TU_EQ_INT(err, 0); /* n is past the last allocation: done */
            tu_model_free(&md);
            hmap_free(m);
            break;
        }
        TU_EQ_INT(err, ENOMEM);
        total++;
        TU_EQ_INT(hmap_reserve(m, 100000), 0);
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
    TU_ASSERT(total >= 3, "only %ld allocations of hmap_reserve failed", total);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc_fail");
    TCase *tc = tu_tcase("growth");
    tcase_add_test(tc, through_growth_small);
    tcase_add_test(tc, through_growth_large);
    tcase_add_test(tc, from_empty_hint_0);
    tcase_add_test(tc, from_hint);
    suite_add_tcase(s, tc);

    tc = tu_tcase("other");
    tcase_add_test(tc, new_map);
    tcase_add_test(tc, clear_allocates_nothing);
    tcase_add_test(tc, reserve_fails_cleanly);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
