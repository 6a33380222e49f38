/*
 * test_basic.c - the basic operations of an hmap of uint64_t -> uint64_t and
 * of big values:
 *  - HMAP_TYPE / HMAP_SET_TYPE / HMAP_TYPE_CSTR descriptors: "K -> V" names,
 *    sizes and alignments;
 *  - put/get/has/set/del/len against a reference model, at several hints,
 *    through several growths, with `inserted` reported right (or NULL);
 *  - new value slots are zero-filled by hmap_put, values survive growth, and
 *    a slot is zeroed again when a key is deleted and re-inserted (also
 *    when another key takes over a deleted slot, and after clear);
 *  - hmap_clear: length 0, nothing found, empty iteration, map reusable,
 *    also on an empty map, twice in a row, and while a growth is in progress;
 *  - what makes a map grow: inserts alone only ever double it, even large
 *    and near its load factor; delete churn compacts it at the same size;
 *    a large old array is freed a step per write, cleared or freed halfway.
 * hmap_verify is checked throughout.
 */
#include "testutil.h"
#include "reserve_stats.h"
#include "hmap_internal.h"
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

START_TEST(clear_during_growth)
{
    /* sizes around a growth point: just before it, just after the growth
     * started, and part way through the incremental evacuation */
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

/* A map's generation counts the bucket arrays it has allocated: the first,
 * then one per growth.  A map that only doubled from one bucket to 2^B has
 * generation B + 1. */
static uint64_t same_size_growths(const hmap *m)
{
    const struct hmap *in = m;
    return in->generation - in->B - 1;
}

/* 1.6 million keys reach 2^18 buckets near the load factor, where about one
 * bucket in eight has an overflow bucket: normal chains that a same-size
 * growth cannot shorten.  (A threshold held at 2^15 overflow buckets once
 * rewrote the whole map there.) */
START_TEST(inserts_only_double)
{
    hmap *m = tu_new_u64(0);
    const size_t n = 1600000;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_set(m, &k, &i) == 0);
    }
    const struct hmap *in = m;
    TU_EQ(in->B, 18);
    TU_EQ(same_size_growths(m), 0);
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

/* A window of 300 live keys sliding over 30000: deletions leave the chains
 * sparse, and the map compacts them in place instead of growing. */
START_TEST(churn_compacts_at_the_same_size)
{
    hmap *m = tu_new_u64(0);
    const size_t n = 30000, window = 300;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_set(m, &k, &i) == 0);
        if (i >= window) {
            k = tu_key(i - window);
            TU_CHECK(hmap_del(m, &k));
        }
    }
    const struct hmap *in = m;
    TU_CHECK(in->B <= 7);
    TU_CHECK(same_size_growths(m) > 0);
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

/* Resident pages among the whole pages of [from, from + bytes). */
static size_t resident_pages(const char *from, size_t bytes)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)from + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)from + bytes) & ~(page - 1);
    if (hi <= lo)
        return 0;
    size_t n = (hi - lo) / page, resident = 0;
    unsigned char *vec = malloc(n);
    TU_NONNULL(vec);
    TU_CHECK(mincore((void *)lo, hi - lo, vec) == 0);
    for (size_t i = 0; i < n; i++)
        resident += vec[i] & 1;
    free(vec);
    return resident;
}

/* What a retiring array has given back: its own bytes and its overflow
 * chunks'. */
static size_t released_so_far(const struct hmap_array *a)
{
    size_t bytes = a->released;
    for (const struct hmap_ovf_chunk *c = a->chunks; c; c = c->next)
        bytes += c->released;
    return bytes;
}

/* A large old array is given back a step per write after its growth ends:
 * each step gives back more, what was given back is no longer resident,
 * the steps come to an end, and the map stays right all along.  A map
 * cleared or freed halfway frees everything (the ASan build's leak check
 * sees to that). */
START_TEST(old_array_retires_in_steps)
{
    for (int ending = 0; ending < 3; ending++) {
        hmap *m = tu_new_u64(0);
        const struct hmap *in = m;
        size_t i = 0, steps = 0;
        while (!in->retiring) {
            uint64_t k = tu_key(i);
            TU_CHECK(hmap_set(m, &k, &i) == 0);
            i++;
        }
        TU_CHECK(in->retiring->bytes >= ((size_t)1 << 20));
        if (ending == 1) {
            hmap_clear(m);
            TU_NULL(in->retiring);
        }
        if (ending == 2) {
            hmap_free(m);
            continue;
        }
        for (; in->retiring; steps++) {
            const struct hmap_array *r = in->retiring;
            size_t before = released_so_far(r);
            TU_EQ(resident_pages(r->first, r->released), 0);
            uint64_t k = tu_key(i++);
            TU_CHECK(hmap_set(m, &k, &i) == 0);
            if (in->retiring == r)
                TU_CHECK(released_so_far(r) > before);
            TU_VERIFY(m);
        }
        if (ending == 0)
            TU_CHECK(steps >= 4); /* 1 MB or more, a 256 KB step per write */
        TU_VERIFY(m);
        hmap_free(m);
    }
}
END_TEST

/* Pages given back while the old array is still allocated keep their
 * address range: maps and blocks allocated meanwhile must never land in
 * it, or freeing the old array at the end would unmap them too.  (Holes
 * punched with munmap were reused by the small maps' arrays, which then
 * vanished.) */
START_TEST(other_memory_survives_a_retiring_array)
{
    enum { SMALL = 150 };
    hmap *big = tu_new_u64(0);
    hmap *small[SMALL];
    size_t nsmall = 0;
    for (uint64_t k = 0; k < 1500000; k++) {
        TU_CHECK(hmap_set(big, &k, &k) == 0);
        if (k % 10000 == 0 && nsmall < SMALL) {
            hmap *m = tu_new_u64(10000); /* a 300 KB array of its own */
            for (uint64_t x = 0; x < 10000; x += 7)
                TU_CHECK(hmap_set(m, &x, &x) == 0);
            small[nsmall++] = m;
        }
    }
    hmap_free(big);
    for (size_t j = 0; j < nsmall; j++) {
        TU_VERIFY(small[j]);
        TU_EQ(hmap_len(small[j]), (10000 + 6) / 7);
        hmap_free(small[j]);
    }
}
END_TEST

/* A key argument may point into the map (the stored key of a set, from
 * hmap_get).  The write's growth work may evacuate the very bucket it
 * points into: the write must still read it whole, so nothing it emptied
 * is given back before it ends. */
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

/* Both kinds of growth: copying into a new array, and splitting in place,
 * where packing a chain would overwrite the key. */
START_TEST(key_pointing_into_an_evacuated_bucket)
{
    bool in_place = _i && sizeof(void *) >= 8; /* reservations: 64-bit only */
    hmap_testing_grow_in_place(in_place);
    hmap *m = hmap_new(&HMAP_SET_TYPE(struct key30), 0);
    TU_NONNULL(m);
    const struct hmap *in = m;
    uint32_t n = 0;
    while (!(in->old && in->buckets->bytes >= ((size_t)1 << 20))) {
        struct key30 k = key30(n++);
        TU_CHECK(hmap_set(m, &k, NULL) == 0);
    }
    TU_EQ(is_view(in->old), in_place);
    size_t oldn = in->old->nbuckets, writes = 0;
    while (in->old) {
        /* a stored key in the next old bucket to be evacuated */
        const void *stored = NULL;
        for (uint32_t i = 0; i < n && !stored; i++) {
            struct key30 k = key30(i);
            if ((hmap__key_hash(in, &k) & (oldn - 1)) == in->nevacuate)
                stored = hmap_get(m, &k);
        }
        if (!stored) {
            struct key30 k = key30(n++);
            TU_CHECK(hmap_set(m, &k, NULL) == 0);
            continue;
        }
        struct key30 copy;
        memcpy(&copy, stored, sizeof copy);
        bool inserted = true;
        if (writes++ % 2 == 0) {
            const void *slot = hmap_put(m, stored, &inserted);
            TU_NONNULL(slot);
            TU_CHECK(!inserted);
            TU_CHECK(memcmp(slot, &copy, sizeof copy) == 0); /* found the right key */
        } else {
            TU_CHECK(hmap_del(m, stored));
            TU_CHECK(hmap_set(m, &copy, NULL) == 0);
        }
        TU_CHECK(hmap_has(m, &copy));
    }
    TU_CHECK(writes > 100);
    TU_EQ(hmap_len(m), n);
    TU_VERIFY(m);
    hmap_free(m);
    hmap_testing_grow_in_place(true);
}
END_TEST

/* A hash that sends runs of four consecutive keys to one bucket with one
 * tag: chains are common, so splits in place pack them and give overflow
 * buckets back; and a user hash makes the map keep split bits. */
static uint64_t clustered_hash(const void *key, uint64_t seed)
{
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return tu_mix((k >> 2) ^ seed);
}

/* Growing in place, with every kind of write in between: the map stays
 * right (hmap_verify through every growth), iteration in the middle of one
 * sees every entry once, and overflow buckets freed by splits are used
 * again.  Keys are consecutive integers so that the clustered hash groups
 * them. */
START_TEST(grows_in_place)
{
    if (sizeof(void *) < 8)
        TU_SKIP("no reservations, no growth in place on 32-bit targets");
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    if (_i)
        t.hash = clustered_hash;
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    const struct hmap *in = m;
    tu_model md;
    tu_model_init(&md);
    tu_rng r;
    tu_rng_init(&r, tu_seed());
    size_t in_place = 0, reused = 0, writes = 0;
    uint64_t next = 0;
    while (in->B < 15) {
        uint64_t op = tu_rng_below(&r, 8);
        if (op < 5 || md.len == 0) {
            TU_SET(m, &md, next, ~next);
            next++;
        } else if (op < 7) {
            uint64_t k = tu_rng_below(&r, next);
            TU_EQ(hmap_del(m, &k), tu_model_del(&md, k));
        } else {
            uint64_t k = tu_rng_below(&r, next), v;
            const uint64_t *got = hmap_get(m, &k);
            TU_EQ(got != NULL, tu_model_get(&md, k, &v));
            if (got)
                TU_EQ(*got, v);
        }
        if (in->old && is_view(in->old)) {
            in_place++;
            size_t nfree = in->buckets->nfree_ovf;
            if (writes++ % 4096 == 0) {
                TU_VERIFY(m);
                TU_CHECK_ITER(m, &md);
            }
            uint64_t k = next++;
            TU_SET(m, &md, k, ~k);
            reused += in->buckets->nfree_ovf < nfree;
        }
    }
    TU_CHECK(in_place > 1000);
    if (_i)
        TU_CHECK(reused > 0);
    TU_CHECK_MODEL(m, &md);

    /* The reservation has no room for the next doubling, which copies;
     * the array left behind is retired in steps, and the map checks out
     * at every step.  (hmap_verify once walked the retiring array's free
     * overflow buckets, whose pages may have been given back; whether any
     * are left by then depends on the seed.) */
    while (!(in->old && !is_view(in->old))) {
        TU_SET(m, &md, next, ~next);
        next++;
    }
    while (!in->retiring) {
        TU_SET(m, &md, next, ~next);
        next++;
    }
    while (in->retiring) {
        TU_SET(m, &md, next, ~next);
        next++;
        TU_VERIFY(m);
    }
    TU_CHECK_MODEL(m, &md);
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* A growth in place faults the new half in ahead of the splits that write
 * it (where the kernel has MADV_POPULATE_WRITE, Linux 5.14): the pages just
 * past the last split are resident before any write touched them. */
START_TEST(growth_in_place_faults_ahead)
{
    if (sizeof(void *) < 8)
        TU_SKIP("no reservations, no growth in place on 32-bit targets");
#ifdef MADV_POPULATE_WRITE
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *probe = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TU_CHECK(probe != MAP_FAILED);
    bool supported = madvise(probe, page, MADV_POPULATE_WRITE) == 0;
    munmap(probe, page);
    if (!supported)
        TU_SKIP("the kernel has no MADV_POPULATE_WRITE (Linux 5.14)");
    hmap *m = tu_new_u64(0);
    const struct hmap *in = m;
    uint64_t k = 0;
    while (!(in->old && is_view(in->old) && in->old->nbuckets >= 4096 && in->nevacuate >= 64)) {
        TU_CHECK(hmap_set(m, &k, &k) == 0);
        k++;
    }
    const char *written = bucket_at(in->buckets, in->nevacuate + in->old->nbuckets,
                                    in->layout.bucket_size);
    size_t ahead = (size_t)32 << 10;
    if ((uintptr_t)written % page == 0)
        written++; /* so that exactly one page is partial */
    TU_EQ(resident_pages(written, ahead), ahead / page - 1); /* the whole pages in the range */
    hmap_free(m);
#else
    TU_SKIP("built without MADV_POPULATE_WRITE");
#endif
}
END_TEST

/* A large array is aligned so that huge pages can back it where the
 * system's THP policy is "always", but does not ask for them: under the
 * default "madvise" policy, the advice would let any insert stall while
 * the kernel zeroes or compacts 2 MB (alloc.c, hmap__map). */
START_TEST(large_arrays_are_aligned_not_advised)
{
    if (sizeof(void *) < 8)
        TU_SKIP("no reservations, no growth in place on 32-bit targets");
    for (int in_place = 0; in_place <= 1; in_place++) {
        hmap_testing_grow_in_place(in_place); /* a reservation, or a plain mmap */
        hmap *m = tu_new_u64((size_t)1 << 20);
        const struct hmap *in = m;
        TU_NONNULL(in->buckets);
        TU_EQ(in->buckets->reserved != 0, (size_t)in_place);
        TU_EQ((uintptr_t)in->buckets % HMAP_HUGE_PAGE, 0);
        TU_CHECK(!tu_mapping_has_flag(in->buckets->first, "hg"));
        hmap_free(m);
    }
    hmap_testing_grow_in_place(true);
}
END_TEST

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TU_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TU_SANITIZED 1
#endif
#endif

#ifndef TU_SANITIZED
static size_t address_space_in_use(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    TU_NONNULL(f);
    char line[256];
    size_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
            break;
    fclose(f);
    TU_CHECK(kb > 0);
    return kb << 10;
}
#endif

/* Where address space is short (ulimit -v), a large array cannot reserve
 * room to double in place: it is made with no room, and grows by copying.
 * (In a child, whose limit ends with it; sanitizers need far more address
 * space than any such limit leaves.) */
START_TEST(reservation_falls_back_when_address_space_is_short)
{
    if (sizeof(void *) < 8)
        TU_SKIP("no reservations, no growth in place on 32-bit targets");
#ifdef TU_SANITIZED
    TU_SKIP("sanitizers need more address space than the limit leaves");
#else
    pid_t pid = fork();
    TU_CHECK(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = { address_space_in_use() + ((size_t)48 << 20), RLIM_INFINITY };
        lim.rlim_max = lim.rlim_cur;
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(2);
        enum { N = 400000 }; /* an array of about 9 MB, which would reserve 150 */
        hmap *m = tu_new_u64(N);
        const struct hmap *in = m;
        if (!m || !in->buckets->reserved || in->buckets->reserved != in->buckets->bytes)
            _exit(3);
        for (uint64_t k = 0; k < N + N / 2; k++)
            if (hmap_set(m, &k, &k) != 0)
                _exit(4);
        if (hmap_len(m) != N + N / 2 || !hmap_verify(m))
            _exit(5);
        hmap_free(m);
        _exit(0);
    }
    int status;
    TU_CHECK(waitpid(pid, &status, 0) == pid);
    TU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child ended with status %#x", status);
#endif
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
    suite_add_tcase(s, tc);

    tc = tu_tcase("clear");
    tcase_add_test(tc, clear_full_map);
    tcase_add_test(tc, clear_empty_maps);
    tcase_add_test(tc, clear_during_growth);
    suite_add_tcase(s, tc);

    tc = tu_tcase("growth");
    tcase_add_test(tc, inserts_only_double);
    tcase_add_test(tc, churn_compacts_at_the_same_size);
    tcase_add_test(tc, old_array_retires_in_steps);
    tcase_add_test(tc, other_memory_survives_a_retiring_array);
    tcase_add_loop_test(tc, key_pointing_into_an_evacuated_bucket, 0, 2);
    tcase_add_loop_test(tc, grows_in_place, 0, 2);
    tcase_add_test(tc, growth_in_place_faults_ahead);
    tcase_add_test(tc, large_arrays_are_aligned_not_advised);
    tcase_add_test(tc, reservation_falls_back_when_address_space_is_short);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
