/*
 * test_types.c - keys and values of every shape:
 *  - sets (val_size 0, HMAP_SET_TYPE): get returns non-NULL (the stored
 *    key) for present keys and NULL for absent ones;
 *  - keys and values over 128 bytes (200-byte keys, 300-byte values);
 *  - odd sizes and alignments (key_size 1, 2, 3, 12, 24, 129 with alignments
 *    1..16; values of 1, 3, 5, 12, 24 bytes with alignment up to 64): value
 *    slots and stored keys are aligned as the descriptor asks, contents
 *    survive growth, deletion and iteration;
 *  - string keys (HMAP_TYPE_CSTR): found through a different pointer to the
 *    same content (a strdup'd copy), absent strings not found, the map
 *    stores the caller's pointer;
 *  - string maps and maps with a user hash stay right through doublings
 *    and splits, in maps made with a hint, and through the same-size
 *    rebuilds of delete churn (hmap_verify checks them at every new
 *    table), and hmap_verify notices a string changed after insertion.
 */
#include "testutil.h"
#include "hmap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- generic keys and values of any size ----------------------------------- */

/* Key i: its index in the first bytes (so keys are distinct while i fits),
 * pseudo-random bytes after. */
static void make_key(size_t i, unsigned char *buf, size_t ksz)
{
    for (size_t j = 0; j < ksz; j++)
        buf[j] = j < 8 ? (unsigned char)(i >> (8 * j)) : (unsigned char)tu_mix(i * 1315423911u + j);
}

static size_t key_index(const unsigned char *buf, size_t ksz)
{
    size_t i = 0;
    for (size_t j = 0; j < ksz && j < 8; j++)
        i |= (size_t)buf[j] << (8 * j);
    return i;
}

static void make_val(size_t i, unsigned char *buf, size_t vsz)
{
    for (size_t j = 0; j < vsz; j++)
        buf[j] = (unsigned char)(tu_mix(i ^ (j << 40)) | 1); /* never all zero */
}

/* What alignment 0 stands for: the largest power of two dividing the size,
 * at most 16 (the alignment of a C type of that size, at most). */
static size_t natural_align(size_t size)
{
    size_t a = 1;
    while (a < 16 && size % (a * 2) == 0)
        a *= 2;
    return a;
}

struct shape {
    size_t ksz, kalign, vsz, valign;
};

/* Where the test keeps the key it passes to the map: aligned as the key
 * type demands, and deliberately misaligned (odd address) when the key
 * type's alignment is 1. */
static unsigned char *key_buf(unsigned char *space, size_t kalign)
{
    return kalign <= 1 ? space + 1 : space;
}

static void check_shape(struct shape sh, size_t n)
{
    char name[80];
    snprintf(name, sizeof name, "key %zu/align %zu, value %zu/align %zu", sh.ksz, sh.kalign,
             sh.vsz, sh.valign);
    hmap_type t = {name, sh.ksz, sh.kalign, sh.vsz, sh.valign, NULL, NULL};
    size_t kalign = sh.kalign ? sh.kalign : natural_align(sh.ksz);
    size_t valign = sh.valign ? sh.valign : natural_align(sh.vsz);
    hmap *m = hmap_new(&t, 0);
    TU_ASSERT(m != NULL, "%s: hmap_new failed", name);
    size_t key_space = sh.ksz < 8 ? (size_t)1 << (8 * sh.ksz) : SIZE_MAX;
    if (n > key_space)
        n = key_space;

    _Alignas(64) unsigned char kspace[512];
    unsigned char vbuf[512];
    unsigned char *kb = key_buf(kspace, kalign);
    TU_CHECK(sh.ksz <= 500 && sh.vsz <= 500);

    for (size_t i = 0; i < n; i++) {
        make_key(i, kb, sh.ksz);
        bool inserted;
        unsigned char *v = hmap_put(m, kb, &inserted);
        TU_NONNULL(v);
        TU_CHECK(inserted);
        if (sh.vsz) {
            TU_ASSERT((uintptr_t)v % valign == 0, "%s: value slot %p not aligned to %zu", name,
                      (void *)v, valign);
            for (size_t j = 0; j < sh.vsz; j++)
                TU_ASSERT(v[j] == 0, "%s: key %zu: new value byte %zu not zero", name, i, j);
            make_val(i, vbuf, sh.vsz);
            memcpy(v, vbuf, sh.vsz);
        }
    }
    TU_CHECK(hmap_verify(m));
    TU_EQ(hmap_len(m), n);

    for (int round = 0; round < 2; round++) {
        /* every key found with its value, through a fresh copy of the key */
        for (size_t i = 0; i < n; i++) {
            bool present = round == 0 || i % 3 != 0;
            make_key(i, kb, sh.ksz);
            unsigned char *v = hmap_get(m, kb);
            TU_ASSERT((v != NULL) == present, "%s: key %zu: get %s", name, i,
                      present ? "missed it" : "found a deleted key");
            TU_CHECK(hmap_has(m, kb) == present);
            if (!v)
                continue;
            if (sh.vsz) {
                make_val(i, vbuf, sh.vsz);
                TU_ASSERT(memcmp(v, vbuf, sh.vsz) == 0, "%s: key %zu: value corrupted", name, i);
            } else {
                TU_ASSERT(memcmp(v, kb, sh.ksz) == 0, "%s: get did not point at the key", name);
            }
        }
        /* keys beyond n are absent */
        for (size_t i = n; i < n + 100 && i < key_space; i++) {
            make_key(i, kb, sh.ksz);
            TU_ASSERT(hmap_get(m, kb) == NULL, "%s: absent key %zu found", name, i);
            TU_CHECK(!hmap_has(m, kb));
        }

        /* iteration: aligned keys, each once, right values */
        unsigned char *seen = calloc(n, 1);
        TU_NONNULL(seen);
        size_t count = 0;
        hmap_iter it;
        hmap_iter_init(&it, m);
        while (hmap_iter_next(&it)) {
            const unsigned char *k = it.key;
            TU_ASSERT((uintptr_t)k % kalign == 0, "%s: stored key %p not aligned to %zu", name,
                      (const void *)k, kalign);
            size_t i = key_index(k, sh.ksz);
            TU_ASSERT(i < n && !seen[i], "%s: iteration: bad or repeated key %zu", name, i);
            seen[i] = 1;
            make_key(i, kb, sh.ksz);
            TU_ASSERT(memcmp(k, kb, sh.ksz) == 0, "%s: iteration: key %zu corrupted", name, i);
            if (sh.vsz) {
                make_val(i, vbuf, sh.vsz);
                TU_ASSERT(memcmp(it.val, vbuf, sh.vsz) == 0, "%s: iteration: value %zu corrupted",
                          name, i);
            }
            count++;
        }
        free(seen);
        TU_EQ(count, hmap_len(m));

        if (round == 0) {
            for (size_t i = 0; i < n; i += 3) {
                make_key(i, kb, sh.ksz);
                TU_ASSERT(hmap_del(m, kb), "%s: del of key %zu failed", name, i);
            }
            TU_CHECK(hmap_verify(m));
            TU_EQ(hmap_len(m), n - (n + 2) / 3);
        }
    }
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}

START_TEST(odd_shapes)
{
    static const struct shape shapes[] = {
        {1, 1, 1, 1},     {2, 2, 0, 0},     {3, 1, 5, 1},    {3, 8, 8, 8},     {3, 16, 3, 1},
        {4, 4, 1, 1},     {8, 8, 64, 64},   {12, 8, 12, 4},  {12, 16, 0, 0},   {12, 0, 7, 0},
        {16, 16, 8, 64},  {24, 16, 24, 64}, {24, 8, 3, 64},  {24, 16, 1, 1},   {5, 1, 0, 0},
        {129, 1, 129, 1}, {7, 4, 256, 32},  {40, 8, 40, 16}, {64, 64, 0, 0},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        check_shape(shapes[s], 3000);
}
END_TEST

START_TEST(big_keys_and_values)
{
    /* over 128 bytes each: 200-byte keys, 300-byte values, both with and
     * without alignment beyond 1 */
    check_shape((struct shape){200, 1, 300, 1}, 3000);
    check_shape((struct shape){200, 8, 300, 16}, 3000);
    check_shape((struct shape){256, 64, 0, 0}, 2000);
}
END_TEST

struct key200 {
    char b[200];
};
struct val300 {
    char b[300];
};

START_TEST(big_struct_types)
{
    hmap_type t = HMAP_TYPE(struct key200, struct val300);
    ck_assert_str_eq(t.name, "struct key200 -> struct val300");
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    struct key200 k;
    struct val300 v;
    const size_t n = 2000;
    for (size_t i = 0; i < n; i++) {
        memset(&k, 0, sizeof k);
        snprintf(k.b, sizeof k.b, "%zu", i);
        k.b[199] = (char)i;
        memset(&v, (int)(i & 0xff), sizeof v);
        TU_EQ_INT(hmap_set(m, &k, &v), 0);
    }
    TU_CHECK(hmap_verify(m));
    for (size_t i = 0; i < n; i++) {
        memset(&k, 0, sizeof k);
        snprintf(k.b, sizeof k.b, "%zu", i);
        k.b[199] = (char)i;
        struct val300 *p = hmap_get(m, &k);
        TU_NONNULL(p);
        memset(&v, (int)(i & 0xff), sizeof v);
        TU_CHECK(memcmp(p, &v, sizeof v) == 0);
        k.b[199] ^= 1; /* differs only in the last byte: absent */
        TU_NULL(hmap_get(m, &k));
    }
    hmap_free(m);
}
END_TEST

/* ---- sets --------------------------------------------------------------------- */

START_TEST(sets)
{
    hmap_type t = HMAP_SET_TYPE(uint64_t);
    TU_EQ(t.val_size, 0);
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    const size_t n = 5000;
    for (size_t i = 0; i < n; i += 2) {
        uint64_t k = tu_key(i);
        bool inserted;
        TU_NONNULL(hmap_put(m, &k, &inserted));
        TU_CHECK(inserted);
        TU_NONNULL(hmap_put(m, &k, &inserted));
        TU_CHECK(!inserted);
    }
    TU_CHECK(hmap_verify(m));
    TU_EQ(hmap_len(m), n / 2);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = tu_key(i);
        const uint64_t *p = hmap_get(m, &k);
        if (i % 2 == 0) {
            TU_ASSERT(p != NULL, "set: present key %zu not found", i);
            TU_EQ(*p, k);
            TU_CHECK(hmap_has(m, &k));
        } else {
            TU_ASSERT(p == NULL, "set: absent key %zu found", i);
            TU_CHECK(!hmap_has(m, &k));
        }
    }
    /* iteration sees each member once */
    size_t count = 0;
    uint64_t xor_all = 0, xor_seen = 0;
    for (size_t i = 0; i < n; i += 2)
        xor_all ^= tu_key(i);
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it)) {
        uint64_t k;
        TU_NULL(it.val); /* a set has no values */
        memcpy(&k, it.key, sizeof k);
        xor_seen ^= k;
        count++;
    }
    TU_EQ(count, n / 2);
    TU_EQ(xor_seen, xor_all);

    for (size_t i = 0; i < n; i += 4) {
        uint64_t k = tu_key(i);
        TU_CHECK(hmap_del(m, &k));
        TU_NULL(hmap_get(m, &k));
    }
    TU_CHECK(hmap_verify(m));
    TU_EQ(hmap_len(m), n / 4);
    hmap_free(m);
}
END_TEST

/* ---- string keys ----------------------------------------------------------------- */

static char *make_string(size_t i)
{
    /* lengths vary from a few characters to several hundred */
    size_t pad = i % 37 == 0 ? 300 + i % 50 : i % 11;
    char *s = malloc(64 + pad);
    TU_NONNULL(s);
    int len = snprintf(s, 64, "key-%zu-", i);
    memset(s + len, 'a' + (int)(i % 26), pad);
    s[len + pad] = '\0';
    return s;
}

/* make_string(0 .. n-1), and their release. */
static char **make_strings(size_t n)
{
    char **strs = malloc(n * sizeof *strs);
    TU_NONNULL(strs);
    for (size_t i = 0; i < n; i++)
        strs[i] = make_string(i);
    return strs;
}

static void free_strings(char **strs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(strs[i]);
    free(strs);
}

START_TEST(cstr_keys)
{
    hmap_type t = HMAP_TYPE_CSTR(size_t);
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    const size_t n = 5000;
    char **strs = make_strings(n);

    for (size_t i = 0; i < n; i++) {
        const char *k = strs[i];
        size_t *v = hmap_put(m, &k, NULL);
        TU_NONNULL(v);
        TU_EQ(*v, 0);
        *v = i;
    }
    /* the empty string is a key too */
    const char *empty = "";
    size_t *ev = hmap_put(m, &empty, NULL);
    TU_NONNULL(ev);
    *ev = n;
    TU_CHECK(hmap_verify(m));
    TU_EQ(hmap_len(m), n + 1);

    for (size_t i = 0; i < n; i++) {
        /* same content, different pointer */
        char *copy = strdup(strs[i]);
        TU_NONNULL(copy);
        TU_CHECK(copy != strs[i]);
        const char *k = copy;
        TU_EQ(hmap_hash_cstr(&k, 1234), hmap_hash_cstr(&strs[i], 1234));
        TU_CHECK(hmap_equal_cstr(&k, &strs[i]));
        size_t *v = hmap_get(m, &k);
        TU_ASSERT(v != NULL, "string \"%s\" not found through a copy", copy);
        TU_EQ(*v, i);
        TU_CHECK(hmap_has(m, &k));
        /* a prefix of a key is not a key: every key is "key-N-" plus letters */
        size_t len = strlen(copy);
        copy[len - 1] = '\0';
        TU_ASSERT(hmap_get(m, &k) == NULL, "prefix \"%s\" found", copy);
        free(copy);
    }
    char absent[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(absent, sizeof absent, "absent-%zu", i);
        const char *k = absent;
        TU_NULL(hmap_get(m, &k));
        TU_CHECK(!hmap_has(m, &k));
    }
    const char *e2 = strdup("");
    TU_NONNULL(e2);
    TU_NONNULL(hmap_get(m, &e2));
    TU_EQ(*(size_t *)hmap_get(m, &e2), n);

    /* the map stores the caller's pointers */
    size_t count = 0;
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it)) {
        const char *k = *(const char *const *)it.key;
        size_t i = *(const size_t *)it.val;
        TU_CHECK(i <= n);
        TU_PTR_EQ(k, i == n ? empty : strs[i]);
        count++;
    }
    TU_EQ(count, n + 1);

    /* delete through copies */
    for (size_t i = 0; i < n; i += 2) {
        char *copy = strdup(strs[i]);
        const char *k = copy;
        TU_CHECK(hmap_del(m, &k));
        TU_CHECK(!hmap_has(m, &strs[i]));
        free(copy);
    }
    TU_CHECK(hmap_del(m, &e2));
    free((void *)e2);
    TU_CHECK(hmap_verify(m));
    TU_EQ(hmap_len(m), n / 2);
    for (size_t i = 1; i < n; i += 2)
        TU_CHECK(hmap_has(m, &strs[i]));

    hmap_free(m);
    free_strings(strs, n);
}
END_TEST

/* 20000 string keys take a map through every doubling of its first table
 * and a dozen splits. */
START_TEST(cstr_through_growth)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(size_t), 0);
    TU_NONNULL(m);
    const size_t n = 20000;
    char **strs = make_strings(n);
    for (size_t i = 0; i < n; i++) {
        TU_CHECK(hmap_set(m, &strs[i], &i) == 0);
        if ((i & (i + 1)) == 0 || i % 1031 == 0)
            TU_CHECK(hmap_verify(m));
    }
    TU_CHECK(hmap_verify(m));
    for (size_t i = 0; i < n; i++) {
        const size_t *v = hmap_get(m, &strs[i]);
        TU_ASSERT(v && *v == i, "key %zu lost in growth", i);
    }
    hmap_free(m);
    free_strings(strs, n);
}
END_TEST

/* The other ways a map moves its entries: keys with a user hash function,
 * a map made with a hint, and delete churn, which rebuilds a table at the
 * same size.  hmap_verify checks every table the map makes. */
static uint64_t user_hash(const void *key, uint64_t seed)
{
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return tu_mix(k ^ seed);
}

static bool user_equal(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(uint64_t)) == 0;
}

/* Verifies m whenever it has allocated a new table since the last call. */
static void verify_new_tables(const hmap *m, uint64_t *generation)
{
    const struct hmap *in = m;
    if (in->generation != *generation) {
        *generation = in->generation;
        TU_VERIFY(m);
    }
}

START_TEST(user_hash_hint_and_churn)
{
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    t.hash = user_hash;
    t.equal = user_equal;
    for (size_t hint = 0; hint <= 3000; hint += 3000) {
        /* 20000 keys: doublings, then splits */
        hmap *m = hmap_new(&t, hint);
        TU_NONNULL(m);
        uint64_t generation = 0;
        for (uint64_t i = 0; i < 20000; i++) {
            TU_CHECK(hmap_set(m, &i, &i) == 0);
            verify_new_tables(m, &generation);
        }
        for (uint64_t i = 0; i < 20000; i++) {
            const uint64_t *v = hmap_get(m, &i);
            TU_ASSERT(v && *v == i, "key %llu lost", (unsigned long long)i);
        }
        hmap_free(m);

        /* a window of 300 keys sliding over 30000: same-size growths */
        m = hmap_new(&t, hint);
        TU_NONNULL(m);
        const struct hmap *in = m;
        size_t tables_at_start = in->tables > 0 ? in->tables : 1;
        generation = 0;
        const uint64_t window = 300;
        for (uint64_t i = 0; i < 30000; i++) {
            TU_CHECK(hmap_set(m, &i, &i) == 0);
            if (i >= window) {
                uint64_t gone = i - window;
                TU_CHECK(hmap_del(m, &gone));
            }
            verify_new_tables(m, &generation);
        }
        /* 300 live keys never need more tables than the hint made */
        TU_EQ(in->tables, tables_at_start);
        TU_EQ(hmap_len(m), window);
        hmap_free(m);
    }
}
END_TEST

START_TEST(verify_notices_a_changed_string)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    TU_NONNULL(m);
    char keys[5][8] = { "one", "two", "three", "four", "five" };
    for (int i = 0; i < 5; i++) {
        const char *k = keys[i];
        TU_CHECK(hmap_set(m, &k, &i) == 0);
    }
    TU_CHECK(hmap_verify(m));
    /* A stored key's string changed after insertion.  In a map of one
     * group, verify sees the change when the new string's tag differs
     * from the stored one, which 1 in 255 changes (under the map's
     * random seed) would not do: change the first letter until it does. */
    const char *changed = keys[2];
    uint8_t tag = tag_of(hmap__key_hash(m, &changed));
    for (char c = 'A'; c <= 'Z'; c++) {
        keys[2][0] = c;
        if (tag_of(hmap__key_hash(m, &changed)) != tag)
            break;
    }
    TU_CHECK(!hmap_verify(m));
    keys[2][0] = 't';
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tu_tcase("shapes");
    tcase_add_test(tc, odd_shapes);
    tcase_add_test(tc, big_keys_and_values);
    tcase_add_test(tc, big_struct_types);
    suite_add_tcase(s, tc);

    tc = tu_tcase("sets");
    tcase_add_test(tc, sets);
    suite_add_tcase(s, tc);

    tc = tu_tcase("strings");
    tcase_add_test(tc, cstr_keys);
    tcase_add_test(tc, cstr_through_growth);
    tcase_add_test(tc, user_hash_hint_and_churn);
    tcase_add_test(tc, verify_notices_a_changed_string);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
