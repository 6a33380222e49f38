/*
 * test_basic.c - the basic operations of an hmap of uint64_t -> uint64_t and
 * of big values:
 *  - HMAP_TYPE / HMAP_SET_TYPE / HMAP_TYPE_CSTR descriptors: "K -> V" names,
 *    sizes and alignments;
 *  - put/get/has/set/del/len against a reference model, at several hints,
 *    through several growths, with `inserted` reported right (or NULL);
 *  - new value slots are zero-filled by hmap_put, values survive growth, and
 *    a slot is zeroed again when a key is deleted and re-inserted (also
 *    when another key takes over a deleted slot, and after clear), for
 *    values of every size from 4 to 72 bytes in steps of 8;
 *  - hmap_clear: length 0, nothing found, empty iteration, map reusable,
 *    also on an empty map, twice in a row, and around a growth;
 *  - what makes a map grow: inserts alone double a table, then split it;
 *    delete churn rebuilds it at the same size; deletion leaves no
 *    tombstone; a hash that does not spread keys stops the splitting;
 *    key and value arguments may point into the map across a growth;
 *    hmap_verify notices damage.
 * hmap_verify is checked throughout.
 */
#include "testutil.h"
#include "reserve_stats.h"
#include "table.h"
#include <hmap_testing.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- descriptors -------------------------------------------------------- */

struct point {
    double x, y;
};

START_TEST(reserve_and_stats)
{
    check_reserve_and_stats();
}
END_TEST

/* The library's version is the header's (meson.build checks the header
 * against the project's version). */
START_TEST(version_matches_header)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", HMAP_VERSION_MAJOR, HMAP_VERSION_MINOR,
             HMAP_VERSION_PATCH);
    ck_assert_str_eq(hmap_version(), want);
}
END_TEST

START_TEST(type_names)
{
    hmap_type t = HMAP_TYPE(uint64_t, double);
    ck_assert_str_eq(t.name, "uint64_t -> double");
    TU_EQ(t.key_size, sizeof(uint64_t));
    TU_EQ(t.key_align, _Alignof(uint64_t));
    TU_EQ(t.val_size, sizeof(double));
    TU_EQ(t.val_align, _Alignof(double));
    TU_CHECK(t.hash == NULL && t.equal == NULL);

    hmap_type p = HMAP_TYPE(int, struct point);
    ck_assert_str_eq(p.name, "int -> struct point");
    TU_EQ(p.val_size, sizeof(struct point));

    hmap_type s = HMAP_SET_TYPE(uint32_t);
    ck_assert_str_eq(s.name, "set of uint32_t");
    TU_EQ(s.key_size, 4);
    TU_EQ(s.val_size, 0);

    hmap_type c = HMAP_TYPE_CSTR(int);
    ck_assert_str_eq(c.name, "const char * -> int");
    TU_EQ(c.key_size, sizeof(const char *));
    TU_CHECK(c.hash == hmap_hash_cstr && c.equal == hmap_equal_cstr);

    /* the compound literal can be passed directly, and hmap_new copies it */
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, double), 0);
    TU_NONNULL(m);
    uint64_t k = 42;
    double v = 1.5;
    TU_EQ_INT(hmap_set(m, &k, &v), 0);
    double *pv = hmap_get(m, &k);
    TU_NONNULL(pv);
    TU_CHECK(*pv == 1.5);
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

/* ---- basic operations ---------------------------------------------------- */

START_TEST(empty_map)
{
    static const size_t hints[] = {0, 1, 8, 1000};
    for (size_t h = 0; h < sizeof hints / sizeof *hints; h++) {
        hmap *m = tu_new_u64(hints[h]);
        uint64_t k = 7;
        TU_EQ(hmap_len(m), 0);
        TU_NULL(hmap_get(m, &k));
        TU_CHECK(!hmap_has(m, &k));
        TU_CHECK(!hmap_del(m, &k));
        TU_EQ(tu_iter_count(m), 0);
        TU_CHECK(hmap_verify(m));
        hmap_free(m);
    }
}
END_TEST

START_TEST(put_get_set_del)
{
    static const size_t hints[] = {0, 1, 8, 100, 5000};
    for (size_t h = 0; h < sizeof hints / sizeof *hints; h++) {
        hmap *m = tu_new_u64(hints[h]);
        tu_model md;
        tu_model_init(&md);
        const size_t n = 3000;

        for (size_t i = 0; i < n; i++) {
            uint64_t k = tu_key(i);
            bool inserted = false;
            uint64_t *v = hmap_put(m, &k, &inserted);
            TU_NONNULL(v);
            TU_ASSERT(inserted, "key %zu: inserted false for a new key", i);
            TU_EQ(*v, 0);
            *v = tu_val(k);
            tu_model_set(&md, k, tu_val(k));
            TU_EQ(hmap_len(m), i + 1);
            TU_CHECK(hmap_has(m, &k));
            if (i % 97 == 0)
                TU_CHECK_MODEL(m, &md);
        }
        TU_CHECK_MODEL(m, &md);

        /* put of a present key finds it, inserted false, value kept */
        for (size_t i = 0; i < n; i += 3) {
            uint64_t k = tu_key(i);
            bool inserted = true;
            uint64_t *v = hmap_put(m, &k, &inserted);
            TU_NONNULL(v);
            TU_CHECK(!inserted);
            TU_EQ(*v, tu_val(k));
            /* and `inserted` may be NULL */
            TU_PTR_EQ(hmap_put(m, &k, NULL), v);
        }
        TU_EQ(hmap_len(m), n);

        /* set overwrites */
        for (size_t i = 0; i < n; i += 2) {
            uint64_t k = tu_key(i), v = i * 1000 + 1;
            TU_EQ_INT(hmap_set(m, &k, &v), 0);
            tu_model_set(&md, k, v);
        }
        TU_CHECK_MODEL(m, &md);

        /* absent keys */
        for (size_t i = n; i < 2 * n; i++) {
            uint64_t k = tu_key(i);
            TU_NULL(hmap_get(m, &k));
            TU_CHECK(!hmap_has(m, &k));
            TU_CHECK(!hmap_del(m, &k));
        }

        /* delete a third, twice */
        for (size_t i = 0; i < n; i += 3) {
            uint64_t k = tu_key(i);
            TU_ASSERT(hmap_del(m, &k), "del of present key %zu returned false", i);
            TU_CHECK(!hmap_del(m, &k));
            TU_NULL(hmap_get(m, &k));
            tu_model_del(&md, k);
            TU_EQ(hmap_len(m), md.len);
        }
        TU_CHECK_MODEL(m, &md);

        /* insert fresh keys with put, NULL `inserted` */
        for (size_t i = 2 * n; i < 3 * n; i++) {
            uint64_t k = tu_key(i);
            uint64_t *v = hmap_put(m, &k, NULL);
            TU_NONNULL(v);
            TU_EQ(*v, 0);
            *v = tu_val(k);
            tu_model_set(&md, k, tu_val(k));
        }
        TU_CHECK_MODEL(m, &md);

        /* delete everything */
        for (size_t i = 0; i < 3 * n; i++) {
            uint64_t k = tu_key(i);
            TU_CHECK(hmap_del(m, &k) == tu_model_del(&md, k));
        }
        TU_EQ(hmap_len(m), 0);
        TU_CHECK_MODEL(m, &md);

        /* and use it again */
        for (size_t i = 0; i < 500; i++)
            TU_SET(m, &md, tu_key(i), i);
        TU_CHECK_MODEL(m, &md);

        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

START_TEST(key_zero_and_extremes)
{
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    static const uint64_t keys[] = {0, 1, UINT64_MAX, UINT64_MAX - 1, 1ull << 63, 0x8080808080808080ull,
                                    0x0101010101010101ull};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        TU_SET(m, &md, keys[i], i + 100);
    TU_CHECK_MODEL(m, &md);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i += 2) {
        TU_CHECK(hmap_del(m, &keys[i]));
        tu_model_del(&md, keys[i]);
    }
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* ---- zero-filled value slots ---------------------------------------------- */

struct big_val {
    unsigned char b[300];
};

static bool all_bytes(const void *p, size_t n, unsigned char c)
{
    const unsigned char *q = p;
    for (size_t i = 0; i < n; i++)
        if (q[i] != c)
            return false;
    return true;
}

/* Inserts key tu_key(i), which must be new, and checks that its value
 * slot comes zero-filled; `when` says at which step, for the message. */
static void *put_new_zeroed(hmap *m, size_t i, size_t vsize, const char *when)
{
    uint64_t k = tu_key(i);
    bool inserted;
    void *v = hmap_put(m, &k, &inserted);
    TU_NONNULL(v);
    TU_CHECK(inserted);
    TU_ASSERT(all_bytes(v, vsize, 0), "key %zu: %s slot not zero-filled", i, when);
    return v;
}

/* Runs the zero-fill scenario on a map with uint64_t keys and values of
 * `vsize` bytes. */
static void zero_fill_scenario(hmap *m, size_t vsize)
{
    const size_t n = 2000;

    /* new slots are zero; fill them with a per-key garbage byte */
    for (size_t i = 0; i < n; i++) {
        void *v = put_new_zeroed(m, i, vsize, "new value");
        memset(v, (int)(0x80 | (i & 0x7f)), vsize);
    }
    TU_CHECK(hmap_verify(m));

    /* values survived the growths */
    for (size_t i = 0; i < n; i++) {
        uint64_t k = tu_key(i);
        void *v = hmap_get(m, &k);
        TU_NONNULL(v);
        TU_ASSERT(all_bytes(v, vsize, (unsigned char)(0x80 | (i & 0x7f))),
                  "key %zu: value changed by growth", i);
    }

    /* delete and re-insert one key at a time: zero again */
    for (size_t i = 0; i < n; i += 2) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_del(m, &k));
        void *v = put_new_zeroed(m, i, vsize, "re-inserted");
        memset(v, 0xAB, vsize);
    }
    TU_CHECK(hmap_verify(m));

    /* delete a batch, then insert other keys that take over the freed slots */
    for (size_t i = 1; i < n; i += 2) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_del(m, &k));
    }
    TU_CHECK(hmap_verify(m));
    for (size_t i = n; i < n + n / 2; i++) {
        void *v = put_new_zeroed(m, i, vsize, "reused");
        memset(v, 0xCD, vsize);
    }
    TU_CHECK(hmap_verify(m));

    /* and the deleted ones come back zeroed */
    for (size_t i = 1; i < n; i += 2) {
        void *v = put_new_zeroed(m, i, vsize, "re-inserted");
        memset(v, 0xEF, vsize);
    }

    /* after clear, every slot is new again */
    hmap_clear(m);
    TU_CHECK(hmap_verify(m));
    for (size_t i = 0; i < n + n / 2; i++)
        (void)put_new_zeroed(m, i, vsize, "post-clear");
    TU_CHECK(hmap_verify(m));
}

START_TEST(zero_fill_u64)
{
    hmap *m = tu_new_u64(0);
    zero_fill_scenario(m, sizeof(uint64_t));
    hmap_free(m);
}
END_TEST

START_TEST(zero_fill_big_values)
{
    hmap_type t = HMAP_TYPE(uint64_t, struct big_val);
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    zero_fill_scenario(m, sizeof(struct big_val));
    hmap_free(m);
}
END_TEST

/* Values of the sizes that a write copies inline (table.h, copy_inline)
 * and of sizes between them, which it copies with memcpy: set, replaced,
 * read back whole, and zero-filled when new. */
START_TEST(values_of_every_copied_size)
{
    static const size_t sizes[] = { 4, 8, 16, 24, 32, 40, 48, 56, 64, 72 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t vsize = sizes[s];
        hmap_type t = { "uint64_t -> bytes", sizeof(uint64_t), _Alignof(uint64_t), vsize, 1,
                        NULL, NULL };
        unsigned char val[72];
        hmap *m = hmap_new(&t, 0);
        TU_NONNULL(m);
        for (int round = 0; round < 2; round++) /* insert, then replace */
            for (size_t i = 0; i < 500; i++) {
                uint64_t k = tu_key(i);
                memset(val, (int)(i + (size_t)round * 7 + 1), vsize);
                TU_EQ_INT(hmap_set(m, &k, val), 0);
            }
        for (size_t i = 0; i < 500; i++) {
            uint64_t k = tu_key(i);
            unsigned char *v = hmap_get(m, &k);
            TU_NONNULL(v);
            TU_ASSERT(all_bytes(v, vsize, (unsigned char)(i + 8)),
                      "value of %zu bytes, key %zu: not what was set", vsize, i);
        }
        hmap_clear(m);
        zero_fill_scenario(m, vsize);
        hmap_free(m);
    }
}
END_TEST

/* ---- clear ----------------------------------------------------------------- */

static void check_cleared(hmap *m, size_t old_n)
{
    TU_CHECK(hmap_verify(m));
    TU_EQ(hmap_len(m), 0);
    TU_EQ(tu_iter_count(m), 0);
    for (size_t i = 0; i < old_n; i++) {
        uint64_t k = tu_key(i);
        TU_ASSERT(hmap_get(m, &k) == NULL, "key %zu found after clear", i);
        TU_CHECK(!hmap_has(m, &k));
    }
}

START_TEST(clear_full_map)
{
    hmap *m = tu_new_u64(0);
    tu_model md;
    tu_model_init(&md);
    const size_t n = 5000;
    for (size_t i = 0; i < n; i++)
        TU_SET(m, &md, tu_key(i), tu_val(tu_key(i)));
    TU_CHECK_MODEL(m, &md);

    hmap_clear(m);
    tu_model_clear(&md);
    check_cleared(m, n);
    TU_CHECK_MODEL(m, &md);

    /* reusable: old and new keys */
    for (size_t i = n / 2; i < 2 * n; i++)
        TU_SET(m, &md, tu_key(i), i);
    TU_CHECK_MODEL(m, &md);
    for (size_t i = n / 2; i < n; i++) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_del(m, &k));
        tu_model_del(&md, k);
    }
    TU_CHECK_MODEL(m, &md);

    /* clear twice in a row */
    hmap_clear(m);
    hmap_clear(m);
    check_cleared(m, 2 * n);
    tu_model_clear(&md);
    TU_SET(m, &md, 1, 2);
    TU_CHECK_MODEL(m, &md);

    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

START_TEST(clear_empty_maps)
{
    /* never used, with and without a hint */
    hmap *a = tu_new_u64(0), *b = tu_new_u64(1000);
    hmap_clear(a);
    hmap_clear(b);
    check_cleared(a, 10);
    check_cleared(b, 10);
    uint64_t k = 5, v = 6;
    TU_EQ_INT(hmap_set(a, &k, &v), 0);
    TU_EQ_INT(hmap_set(b, &k, &v), 0);
    const uint64_t *va = hmap_get(a, &k), *vb = hmap_get(b, &k);
    TU_NONNULL(va);
    TU_NONNULL(vb);
    TU_EQ(*va, 6);
    TU_EQ(*vb, 6);
    TU_CHECK(hmap_verify(a) && hmap_verify(b));
    hmap_free(a);
    hmap_free(b);
}
END_TEST

START_TEST(clear_around_growth)
{
    /* sizes around a growth point: just before it and just after */
    size_t p = tu_growth_point(800);
    for (size_t n = p - 2; n < p + 40; n += 3) {
        hmap *m = tu_new_u64(0);
        for (size_t i = 0; i <= n; i++) {
            uint64_t k = tu_key(i), v = i;
            TU_EQ_INT(hmap_set(m, &k, &v), 0);
        }
        TU_CHECK(hmap_verify(m));
        hmap_clear(m);
        check_cleared(m, n + 1);
        tu_model md;
        tu_model_init(&md);
        for (size_t i = 0; i < 2 * n; i += 2)
            TU_SET(m, &md, tu_key(i), i + 1);
        TU_CHECK_MODEL(m, &md);
        tu_model_free(&md);
        hmap_free(m);
    }
}
END_TEST

/* ---- what makes a map grow ------------------------------------------------ */

/* Inserts keys tu_key(from .. to) with values i, verifying the map each time
 * its shape changed (a table rebuilt or split). */
static void insert_verifying(hmap *m, size_t from, size_t to)
{
    const struct hmap *in = m;
    uint32_t growths = in->growths;
    for (size_t i = from; i < to; i++) {
        uint64_t k = tu_key(i);
        TU_EQ_INT(hmap_set(m, &k, &i), 0);
        if (in->growths != growths) {
            growths = in->growths;
            TU_VERIFY(m);
        }
    }
}

/* Inserts alone double a table up to 128 groups, then split it: every
 * table of a large map has 128 groups, the directory is as deep as its
 * deepest table, and no table was rebuilt at its own size. */
START_TEST(inserts_double_then_split)
{
    hmap *m = tu_new_u64(0);
    const size_t n = tu_scaled(200000, 50000);
    insert_verifying(m, 0, n);
    const struct hmap *in = m;
    struct hmap_stats s;
    hmap_stats(m, &s);
    TU_EQ(s.entries, n);
    TU_CHECK(in->depth > 0 && in->tables > 16);
    unsigned deepest = 0;
    for (size_t i = 0; i < s.directory; i++) {
        const struct hmap_table *t = dir_table(in, i);
        TU_EQ(t->groups, MAX_GROUPS);
        TU_CHECK(!t->no_split);
        if (t->depth > deepest)
            deepest = t->depth;
    }
    TU_EQ(deepest, in->depth);
    /* doublings 1 -> 128 groups (7), then one split per table beyond the first */
    TU_EQ(s.growths, 7 + in->tables - 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = tu_key(i);
        TU_EQ(*(uint64_t *)hmap_get(m, &k), i);
    }
    hmap_free(m);
}
END_TEST

/* A full table leaves overflow bits behind when most of its keys are
 * deleted; a window of live keys then sliding over many more leaves
 * deleted slots in groups that probes pass, which do not count as room
 * again.  The table is then rebuilt at its own size (the live keys fit it
 * twice over), neither doubled nor split. */
START_TEST(churn_rebuilds_at_the_same_size)
{
    hmap *m = tu_new_u64(0);
    const struct hmap *in = m;
    const size_t full = 1600, window = 600, n = 60000;
    insert_verifying(m, 0, full);
    TU_EQ(in->tables, 1);
    TU_EQ(dir_table(in, 0)->groups, MAX_GROUPS);
    for (size_t i = 0; i < full - window; i++) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_del(m, &k));
    }
    uint32_t growths = in->growths, rebuilt = 0;
    for (size_t i = full; i < n; i++) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_set(m, &k, &i) == 0);
        k = tu_key(i - window);
        TU_CHECK(hmap_del(m, &k));
        if (in->growths != growths) {
            rebuilt += in->growths - growths;
            growths = in->growths;
            TU_VERIFY(m);
        }
    }
    TU_EQ(in->tables, 1);
    TU_EQ(dir_table(in, 0)->groups, MAX_GROUPS);
    TU_CHECK(rebuilt > 0);
    TU_VERIFY(m);
    hmap_free(m);
}
END_TEST

/* A map that deletions empty starts afresh: a new seed, and its table's
 * room back, overflow bits cleared; so filling it again does not grow it.
 * The last key deleted sits in the first group of its probe in a map of
 * one key, and may sit further in a full table: both ways are taken. */
START_TEST(emptied_map_starts_afresh)
{
    hmap *m = tu_new_u64(0);
    const struct hmap *in = m;
    uint64_t k = tu_key(0), seed;
    for (int round = 0; round < 3; round++) {
        TU_EQ_INT(hmap_set(m, &k, &k), 0);
        seed = in->hash0;
        TU_CHECK(hmap_del(m, &k));
        TU_CHECK(in->hash0 != seed);
    }
    const size_t full = max_load(MAX_GROUPS);
    insert_verifying(m, 0, full);
    TU_EQ(in->tables, 1);
    TU_EQ(dir_table(in, 0)->groups, MAX_GROUPS);
    seed = in->hash0;
    uint32_t growths = in->growths;
    for (size_t i = 0; i < full; i++) {
        k = tu_key(i);
        TU_CHECK(hmap_del(m, &k));
    }
    TU_EQ(hmap_len(m), 0);
    TU_CHECK(in->hash0 != seed);
    TU_EQ(dir_table(in, 0)->growth_left, full);
    TU_VERIFY(m);
    insert_verifying(m, full, 2 * full);
    TU_EQ(in->growths, growths);
    TU_EQ(in->tables, 1);
    hmap_free(m);
}
END_TEST

/* Deleting leaves no tombstone: a full group's slot freed and taken again,
 * keys pushed past full groups found, deleted keys not found, at every
 * step. */
START_TEST(erase_without_tombstones)
{
    hmap *m = tu_new_u64(0);
    const struct hmap *in = m;
    tu_model md;
    tu_model_init(&md);
    uint64_t state = 7;
    for (int round = 0; round < 20000; round++) {
        uint64_t r = tu_mix(state++);
        size_t i = (size_t)(r % 400);
        if (r & (1ull << 40))
            TU_SET(m, &md, tu_key(i), round);
        else {
            uint64_t k = tu_key(i);
            TU_EQ(hmap_del(m, &k), tu_model_del(&md, k));
        }
        if (round % 97 == 0)
            TU_CHECK_MODEL(m, &md);
    }
    TU_CHECK_MODEL(m, &md);
    TU_EQ(in->tables, 1);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* A hash that does not spread keys (here: one value for all) cannot be
 * helped by splitting: the table is split once, then grows as one, and
 * the directory stays small. */
static uint64_t constant_hash(const void *key, uint64_t seed)
{
    (void)key;
    (void)seed;
    return 0x0123456789abcdefull;
}

START_TEST(a_hash_that_does_not_spread_keys)
{
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    t.hash = constant_hash;
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    const size_t n = 4000;
    insert_verifying(m, 0, n);
    const struct hmap *in = m;
    TU_CHECK(in->depth <= 1);
    TU_CHECK(in->tables <= 2);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = tu_key(i);
        TU_EQ(*(uint64_t *)hmap_get(m, &k), i);
    }
    hmap_free(m);
}
END_TEST

/* hmap_set's value may point into the map (a value found by hmap_get);
 * the insertion's growth replaces the table it points into, which must
 * still be readable when the value is copied. */
START_TEST(value_pointing_into_a_replaced_table)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    TU_NONNULL(m);
    const struct hmap *in = m;
    size_t replaced = 0;
    for (uint64_t i = 1; i < 20000; i++) {
        uint64_t prev = tu_key(i - 1), k = tu_key(i);
        uint64_t growths = in->growths;
        const uint64_t *v = i > 1 ? hmap_get(m, &prev) : &i;
        uint64_t want = *v;
        TU_EQ_INT(hmap_set(m, &k, v), 0);
        replaced += in->growths != growths;
        TU_EQ(*(uint64_t *)hmap_get(m, &k), want);
    }
    TU_CHECK(replaced > 5);
    TU_VERIFY(m);
    hmap_free(m);
}
END_TEST

/* A key argument may point into the map (the stored key of a set, from
 * hmap_get): each write reads it whole. */
struct key30 {
    char b[30];
};

static struct key30 key30(uint32_t i)
{
    struct key30 k;
    memset(&k, 0, sizeof k);
    snprintf(k.b, sizeof k.b, "key-%u", i);
    return k;
}

START_TEST(key_pointing_into_the_map)
{
    hmap *m = hmap_new(&HMAP_SET_TYPE(struct key30), 0);
    TU_NONNULL(m);
    const uint32_t n = 5000;
    for (uint32_t i = 0; i < n; i++) {
        struct key30 k = key30(i);
        TU_CHECK(hmap_set(m, &k, NULL) == 0);
    }
    for (uint32_t i = 0; i < n; i++) {
        struct key30 k = key30(i), copy = k;
        const void *stored = hmap_get(m, &k);
        TU_NONNULL(stored);
        bool inserted = true;
        if (i % 2 == 0) {
            const void *slot = hmap_put(m, stored, &inserted);
            TU_NONNULL(slot);
            TU_CHECK(!inserted);
            TU_CHECK(memcmp(slot, &copy, sizeof copy) == 0); /* found the right key */
        } else {
            TU_CHECK(hmap_del(m, stored));
            TU_CHECK(!hmap_has(m, &copy));
            TU_CHECK(hmap_set(m, &copy, NULL) == 0);
        }
        TU_CHECK(hmap_has(m, &copy));
    }
    TU_EQ(hmap_len(m), n);
    TU_VERIFY(m);
    hmap_free(m);
}
END_TEST

/* Tables of 256 KiB and up are mapped on their own (big values make a
 * table of one group that large). */
START_TEST(mapped_tables)
{
    struct big {
        char b[20000];
    };
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, struct big), 0);
    TU_NONNULL(m);
    for (uint64_t i = 0; i < 100; i++) {
        struct big *v = hmap_put(m, &i, NULL);
        TU_NONNULL(v);
        memset(v->b, (int)i, sizeof v->b);
    }
    for (uint64_t i = 0; i < 100; i++) {
        const struct big *v = hmap_get(m, &i);
        TU_NONNULL(v);
        TU_EQ((unsigned char)v->b[sizeof v->b - 1], (unsigned char)i);
    }
    const struct hmap *in = m;
    TU_CHECK(dir_table(in, 0)->bytes >= ((size_t)256 << 10));
    TU_VERIFY(m);
    hmap_clear(m);
    TU_VERIFY(m);
    hmap_free(m);
}
END_TEST

/* A tag takes every value of its byte but TAG_EMPTY: the fewer values,
 * the more often a probe for an absent key matches one and loads a key. */
START_TEST(tags_take_every_value_but_empty)
{
    hmap *m = tu_new_u64(0);
    const size_t n = 20000;
    insert_verifying(m, 0, n);
    const struct hmap *in = m;
    bool seen[256] = { false };
    size_t live = 0;
    for (size_t i = 0; i < (size_t)1 << in->depth; i++) {
        const struct hmap_table *t = dir_table(in, i);
        if (dir_first(in, t, i) != i)
            continue; /* counted at its first entry */
        const uint8_t *ctrl = table_ctrl(t);
        for (size_t g = 0; g < t->groups; g++)
            for (size_t j = 0; j < GROUP_SLOTS; j++) {
                uint8_t tag = ctrl[g * GROUP_BYTES + j];
                live += tag != TAG_EMPTY;
                seen[tag] = true;
            }
    }
    TU_EQ(live, n);
    for (int tag = 1; tag < 256; tag++)
        TU_ASSERT(seen[tag], "no live slot has tag %d", tag);
    hmap_free(m);
}
END_TEST

/* hmap_verify finds what it is for: a wrong tag, a missing overflow bit,
 * a wrong count. */
START_TEST(verify_notices_damage)
{
    hmap *m = tu_new_u64(0);
    for (uint64_t i = 0; i < 10; i++) {
        uint64_t k = tu_key(i);
        TU_EQ_INT(hmap_set(m, &k, &i), 0);
    }
    TU_VERIFY(m);
    struct hmap *in = m;
    struct hmap_table *t = dir_table(in, 0);
    uint8_t *ctrl = table_ctrl(t);
    size_t c = 0;
    while (ctrl[c] == TAG_EMPTY)
        c++;
    ctrl[c] ^= 0x40;
    TU_CHECK(!hmap_verify(m));
    ctrl[c] ^= 0x40;
    TU_VERIFY(m);
    t->used++;
    TU_CHECK(!hmap_verify(m));
    t->used--;
    TU_VERIFY(m);
    hmap_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("basic");
    TCase *tc = tu_tcase("descriptors");
    tcase_add_test(tc, version_matches_header);
    tcase_add_test(tc, reserve_and_stats);
    tcase_add_test(tc, type_names);
    suite_add_tcase(s, tc);

    tc = tu_tcase("operations");
    tcase_add_test(tc, empty_map);
    tcase_add_test(tc, put_get_set_del);
    tcase_add_test(tc, key_zero_and_extremes);
    suite_add_tcase(s, tc);

    tc = tu_tcase("zero_fill");
    tcase_add_test(tc, zero_fill_u64);
    tcase_add_test(tc, zero_fill_big_values);
    tcase_add_test(tc, values_of_every_copied_size);
    suite_add_tcase(s, tc);

    tc = tu_tcase("clear");
    tcase_add_test(tc, clear_full_map);
    tcase_add_test(tc, clear_empty_maps);
    tcase_add_test(tc, clear_around_growth);
    suite_add_tcase(s, tc);

    tc = tu_tcase("growth");
    tcase_add_test(tc, inserts_double_then_split);
    tcase_add_test(tc, churn_rebuilds_at_the_same_size);
    tcase_add_test(tc, emptied_map_starts_afresh);
    tcase_add_test(tc, erase_without_tombstones);
    tcase_add_test(tc, a_hash_that_does_not_spread_keys);
    tcase_add_test(tc, value_pointing_into_a_replaced_table);
    tcase_add_test(tc, key_pointing_into_the_map);
    tcase_add_test(tc, mapped_tables);
    tcase_add_test(tc, tags_take_every_value_but_empty);
    tcase_add_test(tc, verify_notices_damage);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
