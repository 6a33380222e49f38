/*
 * test_property.c - randomised operations against a reference model.
 *
 * About 2 million operations (times HMAP_TEST_SCALE; the PRNG seed is
 * HMAP_TEST_SEED) of put, set, get, has, del, hmap_iter_del (deleting a
 * random subset of a prefix or of the whole of an iteration), len, and a
 * rare clear, on an HMAP_TYPE(uint64_t, uint64_t) map, in phases that
 * alternate between a small key range (64 keys: constant overwrites and
 * re-inserts into deleted slots), a medium one (4096) and a large one (2^20:
 * the map grows and shrinks through many growths), and between insert-heavy,
 * delete-heavy and balanced mixes.  Every result is checked against the
 * model (inserted flags, zero-filled new slots, values, lengths, delete
 * results, iterated entries); between phases the whole map is compared with
 * the model and hmap_verify is called.  A second, shorter run uses a hash
 * with only 256 distinct values and at most 8192 keys, to stress long
 * probe sequences shared by many keys.
 */
#include "testutil.h"

#include <string.h>

struct phase {
    uint64_t range; /* keys are tu_key(0 .. range-1) */
    unsigned w_insert, w_del; /* weights of the writes */
};

static const struct phase phases[] = {
    {64, 40, 20},        {4096, 40, 10},     {1u << 20, 50, 5},  {64, 20, 40},
    {1u << 20, 30, 30},  {4096, 10, 50},     {1u << 20, 10, 60}, {64, 30, 30},
    {1u << 20, 60, 2},   {4096, 30, 30},     {1u << 20, 5, 70},  {64, 50, 10},
};

static uint64_t pick_key(tu_rng *r, uint64_t range)
{
    return tu_key(tu_rng_below(r, range));
}

/* hmap_iter_del over up to `limit` visited entries (0: all), deleting each
 * with probability 1/2; checks what it visits against the model. */
static void random_iter_del(hmap *m, tu_model *md, tu_rng *r, size_t limit)
{
    const size_t before = md->len;
    tu_model seen;
    tu_model_init(&seen);
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it)) {
        uint64_t k, v, want;
        memcpy(&k, it.key, sizeof k);
        memcpy(&v, it.val, sizeof v);
        TU_ASSERT(tu_model_set(&seen, k, 0), "iteration visited key %#llx twice",
                  (unsigned long long)k);
        TU_ASSERT(tu_model_get(md, k, &want), "iteration visited absent key %#llx",
                  (unsigned long long)k);
        TU_EQ(v, want);
        if (tu_rng_next(r) & 1) {
            hmap_iter_del(&it);
            tu_model_del(md, k);
        }
        if (limit && seen.len >= limit)
            break;
    }
    if (!limit)
        TU_ASSERT(seen.len == before, "iteration with deletes visited %zu of %zu entries",
                  seen.len, before);
    TU_EQ(hmap_len(m), md->len);
    tu_model_free(&seen);
}

/* Keys come from the phases' ranges, capped at `max_range`. */
static void run_property(const hmap_type *t, size_t total_ops, uint64_t max_range, uint64_t seed)
{
    hmap *m = hmap_new(t, 0);
    TU_NONNULL(m);
    tu_model md;
    tu_model_init(&md);
    tu_rng r;
    tu_rng_init(&r, seed);

    const size_t nphases = 3 * sizeof phases / sizeof *phases;
    const size_t per_phase = total_ops / nphases + 1;
    for (size_t ph = 0; ph < nphases; ph++) {
        const struct phase *p = &phases[ph % (sizeof phases / sizeof *phases)];
        const unsigned w_reads = 40;
        const unsigned w_total = p->w_insert + p->w_del + w_reads;
        for (size_t op = 0; op < per_phase; op++) {
            uint64_t k = pick_key(&r, p->range < max_range ? p->range : max_range), v, want;
            unsigned w = (unsigned)tu_rng_below(&r, w_total);
            if (tu_rng_below(&r, 300000) == 0) {
                hmap_clear(m);
                tu_model_clear(&md);
                TU_EQ(hmap_len(m), 0);
            } else if (w < p->w_insert) {
                v = tu_rng_next(&r);
                if (w & 1) {
                    TU_EQ_INT(hmap_set(m, &k, &v), 0);
                } else {
                    bool inserted;
                    uint64_t *slot = hmap_put(m, &k, &inserted);
                    TU_NONNULL(slot);
                    bool present = tu_model_get(&md, k, &want);
                    TU_ASSERT(inserted == !present, "phase %zu op %zu: wrong `inserted`", ph, op);
                    TU_EQ(*slot, present ? want : 0);
                    *slot = v;
                }
                tu_model_set(&md, k, v);
            } else if (w < p->w_insert + p->w_del) {
                if (tu_rng_below(&r, 2000) == 0) {
                    /* iteration with deletes: whole map if small, else a prefix */
                    random_iter_del(m, &md, &r, md.len < 2000 ? 0 : 1 + tu_rng_below(&r, 200));
                } else {
                    TU_ASSERT(hmap_del(m, &k) == tu_model_del(&md, k),
                              "phase %zu op %zu: hmap_del wrong", ph, op);
                }
            } else {
                switch (w % 4) {
                case 0:
                case 1: {
                    const uint64_t *slot = hmap_get(m, &k);
                    bool present = tu_model_get(&md, k, &want);
                    TU_ASSERT((slot != NULL) == present, "phase %zu op %zu: hmap_get %s", ph,
                              op, present ? "missed a key" : "found an absent key");
                    if (slot)
                        TU_EQ(*slot, want);
                    break;
                }
                case 2:
                    TU_CHECK(hmap_has(m, &k) == tu_model_get(&md, k, NULL));
                    break;
                case 3:
                    TU_EQ(hmap_len(m), md.len);
                    break;
                }
            }
        }
        TU_CHECK_MODEL(m, &md);
    }
    hmap_clear(m);
    tu_model_clear(&md);
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}

START_TEST(random_ops)
{
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    run_property(&t, tu_scaled(2000000, 10000), UINT64_MAX, tu_seed());
}
END_TEST

static uint64_t hash_256_values(const void *key, uint64_t seed)
{
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return tu_mix((k & 255) ^ seed);
}

START_TEST(random_ops_bad_hash)
{
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    t.hash = hash_256_values;
    run_property(&t, tu_scaled(200000, 5000), 8192, tu_seed() + 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("property");
    TCase *tc = tu_tcase("random");
    tcase_add_test(tc, random_ops);
    tcase_add_test(tc, random_ops_bad_hash);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
