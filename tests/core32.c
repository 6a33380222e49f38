/*
 * core32.c - the core on a 32-bit target (gcc -m32), where Check and the
 * checked runtime's libraries are not installed: a standalone program
 * that the test script builds with the core's sources alone and runs.
 *
 * It covers what depends on the word size: the hash, whose 128-bit products
 * come from 32-bit halves there (it must give the values a 64-bit build
 * gives: the script runs this program on both), absurd size hints,
 * iteration runs of two groups (a 32-bit iterator mask) with
 * hmap_iter_del, at every map size through several growths and in a long
 * probe sequence, C-string keys with split bits, sets, large keys, and
 * hmap_verify throughout.  Exits 1 with a message on the first failure.
 */
#include <hmap.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "core32: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            exit(1);                                                               \
        }                                                                          \
    } while (0)

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* hmap_hash_bytes with seed HASH_K0, as a 64-bit build computes it. */
static void hash_known_answers(void)
{
    static const struct {
        const char *in;
        uint64_t hash;
    } answers[] = {
        { "", 0x663d77f15ed23a61ull },
        { "a", 0x7d2effcab82f13a6ull },
        { "hello, world", 0x4319854c37a126b9ull },
        { "0123456789abcdef", 0xbcadc4ebfe2aff2aull },
        { "a string that is longer than thirty-two bytes in all", 0x7cbeb425ce00068bull },
    };
    for (size_t i = 0; i < sizeof answers / sizeof *answers; i++)
        CHECK(hmap_hash_bytes(answers[i].in, strlen(answers[i].in), 0x9e3779b97f4a7c15ull) ==
              answers[i].hash);
}

/* Hints no address space can hold (and for 32-bit pointers, 2^28 entries
 * and up of 16 bytes, 4 GiB and more): refused with EINVAL or ENOMEM, as
 * hmap.h says, never capped into a map, never an overflow. */
static void absurd_hints(void)
{
    static const size_t hints[] = { SIZE_MAX, SIZE_MAX / 2, SIZE_MAX / 13, (size_t)1 << 31,
                                    (size_t)1 << 28 };
    /* the last two are absurd only for 32-bit pointers */
    size_t n = sizeof hints / sizeof *hints - (sizeof(void *) == 4 ? 0 : 2);
    for (size_t i = 0; i < n; i++) {
        errno = 0;
        hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), hints[i]);
        CHECK(m == NULL && (errno == EINVAL || errno == ENOMEM));
    }
}

/* Iterates m (keys mix(i) for i below n, with value i), checks that every
 * live key is seen once with its value, and deletes every other entry seen
 * if `del`.  Returns how many were seen. */
static size_t iterate_u64(hmap *m, size_t n, unsigned char *live, bool del)
{
    unsigned char *seen = calloc(n, 1);
    CHECK(seen);
    size_t count = 0;
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it)) {
        uint64_t i = *(const uint64_t *)it.val;
        CHECK(i < n && live[i] && !seen[i]);
        CHECK(*(const uint64_t *)it.key == mix(i));
        seen[i] = 1;
        if (del && count % 2) {
            hmap_iter_del(&it);
            live[i] = 0;
        }
        count++;
    }
    for (size_t i = 0; i < n; i++)
        CHECK(seen[i] || !live[i]);
    free(seen);
    return count;
}

/* Inserts key mix(i) with value i and marks it live. */
static void put_u64(hmap *m, uint64_t i, unsigned char *live)
{
    uint64_t k = mix(i);
    CHECK(hmap_set(m, &k, &i) == 0);
    live[i] = 1;
}

/* A third of the keys share one hash value: one long probe sequence,
 * filling group after group, among keys that hash well. */
static uint64_t one_probe_hash(const void *key, uint64_t seed)
{
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return k % 3 == 0 ? 0x5555 : mix(k ^ seed);
}

/* Iterations with hmap_iter_del in maps of every seventh size up to 1500
 * entries (before and after several doublings of the first table), with
 * or without the long probe sequence. */
static void iter_del_while_growing(hmap_hash_fn hash)
{
    for (size_t n = 1; n <= 1500; n += 7) {
        hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
        t.hash = hash;
        hmap *m = hmap_new(&t, 0);
        unsigned char *live = calloc(n, 1);
        CHECK(m && live);
        for (uint64_t i = 0; i < n; i++)
            put_u64(m, i, live);
        CHECK(iterate_u64(m, n, live, true) == n);
        CHECK(hmap_verify(m) && hmap_len(m) == n - n / 2);
        CHECK(iterate_u64(m, n, live, false) == n - n / 2);
        free(live);
        hmap_free(m);
    }
}

static void u64_map(size_t n)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    unsigned char *live = calloc(n, 1);
    CHECK(m && live);
    for (uint64_t i = 0; i < n; i++) {
        put_u64(m, i, live);
        /* iterations at every size through the first growths */
        if (i < 3000)
            CHECK(iterate_u64(m, i + 1, live, false) == i + 1);
    }
    CHECK(hmap_verify(m) && hmap_len(m) == n);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = mix(i), absent = mix(i + n);
        const uint64_t *v = hmap_get(m, &k);
        CHECK(v && *v == i && !hmap_get(m, &absent));
    }
    CHECK(iterate_u64(m, n, live, true) == n);
    CHECK(hmap_verify(m) && hmap_len(m) == n - n / 2);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = mix(i);
        CHECK(hmap_has(m, &k) == live[i]);
        CHECK(hmap_del(m, &k) == live[i]);
    }
    CHECK(hmap_len(m) == 0 && hmap_verify(m));
    free(live);
    hmap_free(m);
}

static void cstr_map(size_t n)
{
    char *pool = malloc(n * 24);
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(uint32_t), 0);
    CHECK(pool && m);
    for (size_t i = 0; i < n; i++) {
        char *s = pool + i * 24;
        snprintf(s, 24, "key-%zu-%08llx", i, (unsigned long long)(mix(i) & 0xffffffffu));
        uint32_t v = (uint32_t)i;
        CHECK(hmap_set(m, &s, &v) == 0);
    }
    CHECK(hmap_verify(m) && hmap_len(m) == n);
    for (size_t i = 0; i < n; i++) {
        char copy[24];
        memcpy(copy, pool + i * 24, sizeof copy);
        const char *k = copy;
        const uint32_t *v = hmap_get(m, &k);
        CHECK(v && *v == i);
    }
    size_t count = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it); count++)
        CHECK(strcmp(*(const char *const *)it.key, pool + *(const uint32_t *)it.val * 24) == 0);
    CHECK(count == n);
    hmap_free(m);
    free(pool);
}

struct big_key {
    uint32_t id;
    char pad[196];
};

static void set_of_big_keys(size_t n)
{
    hmap *m = hmap_new(&(hmap_type){ .key_size = sizeof(struct big_key), .val_size = 0 }, 0);
    CHECK(m);
    struct big_key k;
    memset(&k, 0, sizeof k);
    for (uint32_t i = 0; i < n; i++) {
        k.id = i;
        k.pad[195] = (char)i;
        CHECK(hmap_put(m, &k, NULL));
    }
    CHECK(hmap_verify(m) && hmap_len(m) == n);
    size_t count = 0;
    uint64_t sum = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it); count++) {
        CHECK(it.val == NULL);
        sum += ((const struct big_key *)it.key)->id;
    }
    CHECK(count == n && sum == (uint64_t)n * (n - 1) / 2);
    hmap_free(m);
}

int main(void)
{
    const char *any = getenv("HMAP_CORE32_ANY_TARGET");
    CHECK(sizeof(void *) == 4 || (any && *any));
    hash_known_answers();
    absurd_hints();
    iter_del_while_growing(NULL);
    iter_del_while_growing(one_probe_hash);
    u64_map(200000);
    cstr_map(50000);
    set_of_big_keys(5000);
    printf("core32: all checks passed (%zu-bit pointers)\n", 8 * sizeof(void *));
    return 0;
}
