/*
 * test_checked.c - correct programs under the checked build, where the
 * checked runtime itself could get them wrong (suite `unit`, run with
 * HMAP_OPTIONS=relocate=always so that every write moves the map).
 */
#define HMAP_CHECKED 1
#include "testutil.h"
#include "reserve_stats.h"
#include "hmap_internal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

/* hmap_put returns the slot where the entry lives after the write moved
 * it, without looking the key up again. */
START_TEST(test_put_follows_relocation)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (uint64_t k = 0; k < 2000; k++) {
        uint64_t *v = hmap_put(m, &k, NULL);
        TU_NONNULL(v);
        *v = k * 3;
        TU_PTR_EQ(v, hmap_get(m, &k));
    }
    for (uint64_t k = 0; k < 2000; k++)
        TU_EQ(*(uint64_t *)hmap_get(m, &k), k * 3);
    TU_CHECK(hmap_verify(m));
    hmap_free(m);
}
END_TEST

static bool equal_doubles(const void *a, const void *b)
{
    return *(const double *)a == *(const double *)b; /* NaN != NaN, as in Go */
}

/* A key that is not equal to itself (NaN, as in Go's map[float64]): every
 * put inserts a new entry, and relocation must not lose track of it. */
START_TEST(test_key_unequal_to_itself)
{
    hmap_type t = HMAP_TYPE(double, int);
    t.equal = equal_doubles;
    hmap *m = hmap_new(&t, 0);
    double nan = NAN;
    for (int i = 1; i <= 50; i++) {
        bool fresh = false;
        int *v = hmap_put(m, &nan, &fresh);
        TU_NONNULL(v);
        TU_CHECK(fresh);
        *v = i;
        TU_EQ(hmap_len(m), (size_t)i);
    }
    TU_EQ_INT(hmap_set(m, &nan, &(int){ 7 }), 0);
    TU_EQ(hmap_len(m), 51);
    hmap_free(m);
}
END_TEST

/* A key argument that points into the map itself is used before the
 * write: allowed, and it must not be read after the write moved it. */
START_TEST(test_key_pointing_into_the_map)
{
    hmap *m = hmap_new(&HMAP_SET_TYPE(uint64_t), 0);
    uint64_t k = 42;
    TU_EQ_INT(hmap_set(m, &k, NULL), 0);
    const uint64_t *stored = hmap_get(m, &k);
    TU_NONNULL(stored);
    TU_NONNULL(hmap_put(m, stored, NULL)); /* finds itself */
    TU_EQ(hmap_len(m), 1);
    hmap_free(m);
}
END_TEST

/* An iteration that ran to its end is over: the map may be written, and
 * the finished iterator still answers "no more entries" (hmap_iter_next),
 * as in the plain build, without a report of a write during iteration.
 * (hmap_iter_del on it is an invalid argument: tests/test_death.c.) */
START_TEST(test_finished_iterator_after_a_write)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (uint64_t i = 0; i < 10; i++)
        TU_EQ_INT(hmap_set(m, &i, &i), 0);
    hmap_iter it;
    size_t n = 0;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        n++;
    TU_EQ(n, 10);
    uint64_t k = 99;
    TU_EQ_INT(hmap_set(m, &k, &k), 0);
    TU_CHECK(!hmap_iter_next(&it));
    TU_CHECK(!hmap_iter_next(&it));
    TU_EQ(hmap_len(m), 11);
    hmap_free(m);
}
END_TEST

/* The checked build's large tables (2 MiB and up: here values of 4 KiB)
 * come from its quarantine, aligned for huge pages as the plain map's
 * are (alloc.c, hmap__map) and, unlike them, advised to use them
 * (quarantine.c, ask_for_huge_pages). */
struct page_value {
    char bytes[4096];
};

START_TEST(test_large_tables_ask_for_huge_pages)
{
    if (!tu_thp_supported())
        TU_SKIP("no transparent huge pages here");
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, struct page_value), 1000);
    const struct hmap *in = m;
    const struct hmap_table *t = dir_table(in, 0);
    TU_CHECK(t->bytes >= HMAP_HUGE_PAGE);
    TU_EQ((uintptr_t)t->block % HMAP_HUGE_PAGE, 0);
    TU_CHECK(tu_mapping_has_flag(t->slots, "hg"));
    hmap *small = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 1000); /* under 2 MiB */
    TU_CHECK(!tu_mapping_has_flag(dir_table(small, 0)->slots, "hg"));
    hmap_free(small);
    hmap_free(m);
}
END_TEST

/* The runtime starts on the first checked call (each test runs in a
 * process of its own), and each thread registers on its first: neither
 * may leave errno changed by a call that succeeds. */
static void *first_calls_keep_errno(void *arg)
{
    hmap *m = arg;
    errno = 0;
    uint64_t k = 1;
    TU_NULL(hmap_get(m, &k));
    TU_EQ(errno, 0);
    return NULL;
}

START_TEST(test_first_calls_keep_errno)
{
    errno = 0;
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    TU_EQ(errno, 0);
    pthread_t t;
    TU_EQ(pthread_create(&t, NULL, first_calls_keep_errno, m), 0);
    TU_EQ(pthread_join(t, NULL), 0);
    hmap_free(m);
}
END_TEST

/* The word that lets a write take the fast path (hmap_internal.h,
 * sole_user): the creating thread's tid, until another thread reads the
 * map, which leaves its mark there (its tid, with what it did in the
 * high half); then a write makes it the writer's again.  An iteration
 * takes it from its own thread too, so that a write of its during the
 * iteration takes the whole protocol.  Never a thread's for a map whose
 * hash is the user's, so that its callbacks' calls find the outer
 * operation's marks. */
static void *read_once(void *arg)
{
    uint64_t k = 1;
    TU_NONNULL(hmap_get(arg, &k));
    return (void *)(uintptr_t)syscall(SYS_gettid);
}

static uint64_t user_hash(const void *key, uint64_t seed)
{
    return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

START_TEST(test_sole_user_of_a_map)
{
    uint64_t self = (uint64_t)syscall(SYS_gettid), k = 1;
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    TU_EQ(m->checked.sole_user, self);
    TU_EQ_INT(hmap_set(m, &k, &k), 0);
    TU_EQ(m->checked.sole_user, self);
    pthread_t t;
    void *reader;
    TU_EQ(pthread_create(&t, NULL, read_once, m), 0);
    TU_EQ(pthread_join(t, &reader), 0);
    TU_EQ((uint32_t)m->checked.sole_user, (uint32_t)(uintptr_t)reader);
    TU_CHECK(m->checked.sole_user >> 32 != 0);
    TU_EQ_INT(hmap_set(m, &k, &k), 0);
    TU_EQ(m->checked.sole_user, self);

    hmap_iter it;
    hmap_iter_init(&it, m);
    TU_EQ((uint32_t)m->checked.sole_user, (uint32_t)self);
    TU_CHECK(m->checked.sole_user >> 32 != 0);
    while (hmap_iter_next(&it))
        ;
    TU_EQ_INT(hmap_set(m, &k, &k), 0);
    TU_EQ(m->checked.sole_user, self);
    hmap_free(m);

    hmap_type type = HMAP_TYPE(uint64_t, uint64_t);
    type.hash = user_hash;
    m = hmap_new(&type, 0);
    TU_EQ_INT(hmap_set(m, &k, &k), 0);
    TU_EQ(m->checked.sole_user, 0);
    hmap_free(m);
}
END_TEST

/* Every successful checked call leaves errno alone, whatever the runtime
 * does inside it (guarded tables: mmap, mprotect, munmap; relocation;
 * huge-page advice; the freed-header queue). */
#define KEEPS_ERRNO(call)                                                    \
    do {                                                                     \
        errno = EDOM;                                                        \
        call;                                                                \
        TU_ASSERT(errno == EDOM, "%s changed errno to %d", #call, errno);    \
    } while (0)

START_TEST(test_successful_calls_keep_errno)
{
    /* Under relocate=always (this suite's setting) each write copies the
     * map: small maps that grow, and one made with a hint of 100000 (a
     * directory of many full-size tables), few writes. */
    for (int round = 0; round < 3; round++) {
        hmap *m;
        uint64_t keys = round == 2 ? 50 : 2000;
        KEEPS_ERRNO(m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), round == 2 ? 100000 : 0));
        for (uint64_t k = 0; k < keys; k++) {
            KEEPS_ERRNO(hmap_set(m, &k, &k));
            if (k % 7 == 0)
                KEEPS_ERRNO((void)hmap_put(m, &k, NULL));
        }
        uint64_t k = 3;
        KEEPS_ERRNO(TU_NONNULL(hmap_get(m, &k)));
        KEEPS_ERRNO(TU_CHECK(hmap_has(m, &k)));
        KEEPS_ERRNO(TU_CHECK(hmap_del(m, &k)));
        KEEPS_ERRNO(TU_EQ(hmap_len(m), keys - 1));
        hmap_iter it;
        size_t n = 0;
        KEEPS_ERRNO(hmap_iter_init(&it, m));
        for (;;) {
            bool more;
            KEEPS_ERRNO(more = hmap_iter_next(&it));
            if (!more)
                break;
            if (++n % 3 == 0)
                KEEPS_ERRNO(hmap_iter_del(&it));
        }
        KEEPS_ERRNO(TU_CHECK(hmap_verify(m)));
        KEEPS_ERRNO(hmap_clear(m));
        KEEPS_ERRNO(hmap_free(m));
    }
}
END_TEST

/* The same checks as test_basic's, through the checked entry points. */
/* Callbacks may use other maps: a hash that counts its calls in one map
 * and an equal function that reads another, while the outer map grows,
 * is read, iterated and emptied.  Nothing is reported, and every map
 * keeps its entries. */
static hmap *calls, *names;

static uint64_t counting_hash(const void *key, uint64_t seed)
{
    uint64_t which = 0;
    uint64_t *n = hmap_put(calls, &which, NULL);
    ++*n;
    return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

static bool looked_up_equal(const void *a, const void *b)
{
    uint64_t one = 1;
    TU_NONNULL(hmap_get(names, &one));
    return *(const uint64_t *)a == *(const uint64_t *)b;
}

START_TEST(test_callbacks_use_other_maps)
{
    calls = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    names = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    TU_EQ_INT(hmap_set(names, &(uint64_t){ 1 }, &(uint64_t){ 2 }), 0);
    hmap_type t = HMAP_TYPE(uint64_t, uint64_t);
    t.hash = counting_hash;
    t.equal = looked_up_equal;
    hmap *m = hmap_new(&t, 0);
    for (uint64_t k = 0; k < 3000; k++)
        TU_EQ_INT(hmap_set(m, &k, &k), 0);
    for (uint64_t k = 0; k < 3000; k++)
        TU_EQ(*(uint64_t *)hmap_get(m, &k), k);
    size_t seen = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        seen++;
    TU_EQ(seen, 3000);
    for (uint64_t k = 0; k < 3000; k++)
        TU_CHECK(hmap_del(m, &k));
    TU_EQ(hmap_len(m), 0);
    TU_CHECK(*(uint64_t *)hmap_get(calls, &(uint64_t){ 0 }) >= 9000);
    TU_EQ(hmap_len(names), 1);
    hmap_free(m);
    hmap_free(names);
    hmap_free(calls);
}
END_TEST

START_TEST(test_reserve_and_stats)
{
    check_reserve_and_stats();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checked");
    TCase *tc = tu_tcase("checked");
    tcase_add_test(tc, test_put_follows_relocation);
    tcase_add_test(tc, test_key_unequal_to_itself);
    tcase_add_test(tc, test_key_pointing_into_the_map);
    tcase_add_test(tc, test_finished_iterator_after_a_write);
    tcase_add_test(tc, test_first_calls_keep_errno);
    tcase_add_test(tc, test_large_tables_ask_for_huge_pages);
    tcase_add_test(tc, test_reserve_and_stats);
    tcase_add_test(tc, test_callbacks_use_other_maps);
    tcase_add_test(tc, test_sole_user_of_a_map);
    tcase_add_test(tc, test_successful_calls_keep_errno);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
