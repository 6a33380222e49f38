/*
 * test_hash.c - user hash and equality functions, good and terrible:
 *  - a terrible hash (all keys in 16 distinct hash values) with 20000
 *    keys: every key found, absent keys not found, deletes and re-inserts
 *    work, iteration and hmap_verify stay right;
 *  - degenerate hashes: one constant value (0, all-ones, and one whose top
 *    byte is 0 or 1, the values a tag byte could be mistaken for);
 *  - a custom equality that looks at part of the key (keys equal by id);
 *  - the exported hash functions: deterministic for a seed, seed-dependent,
 *    hmap_hash_bytes over every length and alignment;
 *  - the 128-bit product that 32-bit targets compute from 32-bit halves
 *    equals the compiler's 128-bit one.
 */
#include "testutil.h"
#include "hash.h"

#include <string.h>

static uint64_t terrible_hash(const void *key, uint64_t seed)
{
    (void)seed;
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return (k & 15) * 0x9E3779B97F4A7C15ull;
}

static uint64_t const_hash_0(const void *key, uint64_t seed)
{
    (void)key;
    (void)seed;
    return 0;
}

static uint64_t const_hash_ones(const void *key, uint64_t seed)
{
    (void)key;
    (void)seed;
    return UINT64_MAX;
}

/* top byte 0 or 1, low bits from the key: a tag must never read as
 * TAG_EMPTY (a top byte of 0 is moved up) */
static uint64_t low_byte_hash(const void *key, uint64_t seed)
{
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return ((k & 1) << 56) | (tu_mix(k ^ seed) >> 8);
}

/* Runs the model scenario on a uint64_t -> uint64_t map with hash `h`. */
static void degenerate_scenario(hmap_hash_fn h, size_t n)
{
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    t.hash = h;
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    tu_model md;
    tu_model_init(&md);

    for (size_t i = 0; i < n; i++) {
        TU_SET(m, &md, i, tu_val(i));
        if ((i & (i - 1)) == 0) /* at powers of two */
            TU_CHECK(hmap_verify(m));
    }
    TU_CHECK_MODEL(m, &md);
    for (size_t i = n; i < n + n / 4; i++) {
        uint64_t k = i;
        TU_ASSERT(hmap_get(m, &k) == NULL, "absent key %zu found", i);
        TU_CHECK(!hmap_has(m, &k));
        TU_CHECK(!hmap_del(m, &k));
    }
    /* delete most of them (a whole hash class, and half of the rest) */
    for (size_t i = 0; i < n; i++) {
        if ((i & 15) == 3 || i % 2 == 0) {
            uint64_t k = i;
            TU_ASSERT(hmap_del(m, &k), "del of key %zu failed", i);
            tu_model_del(&md, k);
        }
    }
    TU_CHECK_MODEL(m, &md);
    /* and put some back */
    for (size_t i = 0; i < n; i += 4)
        TU_SET(m, &md, i, i);
    TU_CHECK_MODEL(m, &md);

    tu_model_free(&md);
    hmap_free(m);
}

START_TEST(terrible_hash_16_values)
{
    degenerate_scenario(terrible_hash, 20000);
}
END_TEST

START_TEST(constant_hashes)
{
    degenerate_scenario(const_hash_0, 1500);
    degenerate_scenario(const_hash_ones, 1500);
}
END_TEST

START_TEST(reserved_tag_bytes)
{
    degenerate_scenario(low_byte_hash, 20000);
}
END_TEST

/* Keys equal by id; the rest of the key is ignored by hash and equal. */
struct tagged {
    uint32_t id;
    uint32_t noise;
};

static uint64_t tagged_hash(const void *key, uint64_t seed)
{
    const struct tagged *t = key;
    return hmap_hash_bytes(&t->id, sizeof t->id, seed);
}

static bool tagged_equal(const void *a, const void *b)
{
    return ((const struct tagged *)a)->id == ((const struct tagged *)b)->id;
}

START_TEST(custom_equal)
{
    hmap_type t = HMAP_TYPE(struct tagged, uint32_t);
    t.hash = tagged_hash;
    t.equal = tagged_equal;
    hmap *m = hmap_new(&t, 0);
    TU_NONNULL(m);
    const uint32_t n = 4000;
    for (uint32_t i = 0; i < n; i++) {
        struct tagged k = {i, i * 7};
        uint32_t v = i + 1;
        TU_EQ_INT(hmap_set(m, &k, &v), 0);
    }
    for (uint32_t i = 0; i < n; i++) {
        struct tagged k = {i, 0xdeadbeef}; /* different noise: same key */
        uint32_t *v = hmap_get(m, &k);
        TU_NONNULL(v);
        TU_EQ(*v, i + 1);
        bool inserted = true;
        TU_PTR_EQ(hmap_put(m, &k, &inserted), v);
        TU_CHECK(!inserted);
    }
    TU_EQ(hmap_len(m), n);
    /* the stored key is the first one inserted */
    hmap_iter it;
    hmap_iter_init(&it, m);
    size_t count = 0;
    while (hmap_iter_next(&it)) {
        const struct tagged *k = it.key;
        TU_EQ(k->noise, k->id * 7);
        count++;
    }
    TU_EQ(count, n);
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

START_TEST(exported_hashes)
{
    unsigned char buf[300 + 16];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)tu_mix(i);

    for (size_t len = 0; len <= 300; len++) {
        uint64_t h = hmap_hash_bytes(buf, len, 1);
        TU_EQ(h, hmap_hash_bytes(buf, len, 1));
        /* the same bytes at another alignment hash the same */
        unsigned char copy[300 + 16];
        for (size_t off = 1; off < 16; off += 5) {
            memcpy(copy + off, buf, len);
            TU_ASSERT(hmap_hash_bytes(copy + off, len, 1) == h,
                      "hash of %zu bytes depends on alignment", len);
        }
        if (len > 0) {
            /* the seed matters, and so does every byte (flip first and last) */
            TU_ASSERT(hmap_hash_bytes(buf, len, 2) != h, "len %zu: seed ignored", len);
            memcpy(copy, buf, len);
            copy[0] ^= 1;
            TU_ASSERT(hmap_hash_bytes(copy, len, 1) != h, "len %zu: first byte ignored", len);
            copy[0] ^= 1;
            copy[len - 1] ^= 0x80;
            TU_ASSERT(hmap_hash_bytes(copy, len, 1) != h, "len %zu: last byte ignored", len);
        }
        if (len > 0 && len < 300) {
            /* a longer input with the same prefix differs */
            TU_CHECK(hmap_hash_bytes(buf, len + 1, 1) != h);
        }
    }

    const char *a = "hello, world";
    char b[] = "hello, world";
    const char *bp = b;
    TU_EQ(hmap_hash_cstr(&a, 99), hmap_hash_cstr(&bp, 99));
    TU_CHECK(hmap_equal_cstr(&a, &bp));
    const char *c = "hello, worle";
    TU_CHECK(!hmap_equal_cstr(&a, &c));
    TU_CHECK(hmap_hash_cstr(&a, 99) != hmap_hash_cstr(&c, 99));
    TU_CHECK(hmap_hash_cstr(&a, 99) != hmap_hash_cstr(&a, 100));
    const char *e1 = "", *e2 = b + sizeof b - 1;
    TU_CHECK(hmap_equal_cstr(&e1, &e2));
    TU_EQ(hmap_hash_cstr(&e1, 5), hmap_hash_cstr(&e2, 5));
}
END_TEST

START_TEST(mul128_from_halves)
{
#ifdef __SIZEOF_INT128__
    static const uint64_t edges[] = {0, 1, 2, 0xffffffffu, 0x100000000ull, UINT64_MAX,
                                     UINT64_MAX - 1, 0x8000000000000000ull, HASH_K0, HASH_K1};
    enum { NEDGES = sizeof edges / sizeof *edges };
    tu_rng r;
    tu_rng_init(&r, tu_seed());
    for (int i = 0; i < 100000 + NEDGES * NEDGES; i++) {
        uint64_t a, b;
        if (i < NEDGES * NEDGES) {
            a = edges[i / NEDGES];
            b = edges[i % NEDGES];
        } else {
            a = tu_rng_next(&r);
            b = tu_rng_next(&r) >> (i % 64);
        }
        unsigned __int128 want = (unsigned __int128)a * b;
        uint64_t hi, lo = hmap__mul128_halves(a, b, &hi);
        TU_ASSERT(lo == (uint64_t)want && hi == (uint64_t)(want >> 64),
                  "%#llx * %#llx: halves give %#llx:%#llx", (unsigned long long)a,
                  (unsigned long long)b, (unsigned long long)hi, (unsigned long long)lo);
    }
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hash");
    TCase *tc = tu_tcase("degenerate");
    tcase_add_test(tc, terrible_hash_16_values);
    tcase_add_test(tc, constant_hashes);
    tcase_add_test(tc, reserved_tag_bytes);
    suite_add_tcase(s, tc);

    tc = tu_tcase("custom");
    tcase_add_test(tc, custom_equal);
    tcase_add_test(tc, exported_hashes);
    tcase_add_test(tc, mul128_from_halves);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
