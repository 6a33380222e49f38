/*
 * test_threads.c - concurrent readers.
 *
 * 16 threads read the same maps at once (hmap_get, hmap_has, hmap_len and
 * full iterations) with no writer during the read phase, and every result
 * must be right: present keys found with their values, absent keys not
 * found, iterations visiting every entry exactly once.  The maps: a
 * settled uint64_t map of 100000 entries (times HMAP_TEST_SCALE), one just
 * past a growth point (a table just rebuilt or split: nothing is left for
 * reads to finish), and a string-keyed map.  Under ThreadSanitizer this
 * also proves that reads do not write shared memory.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NTHREADS = 16 };

struct shared {
    hmap *maps[2]; /* uint64_t -> uint64_t: value of tu_key(i) is i */
    size_t lens[2];
    hmap *smap; /* const char * -> size_t */
    char **strs;
    size_t nstrs;
    size_t lookups;
    pthread_barrier_t start;
};

struct reader {
    pthread_t thread;
    unsigned id;
    struct shared *sh;
    unsigned long errors;
    char first_error[160];
};

static void reader_fail(struct reader *rd, const char *what, unsigned long long detail)
{
    if (rd->errors++ == 0)
        snprintf(rd->first_error, sizeof rd->first_error, "thread %u: %s (%#llx)", rd->id, what,
                 detail);
}

static void read_u64_map(struct reader *rd, const hmap *cm, size_t n, tu_rng *r)
{
    hmap *m = (hmap *)(uintptr_t)cm;
    for (size_t j = 0; j < rd->sh->lookups; j++) {
        uint64_t i = tu_rng_below(r, 2 * n), k = tu_key(i);
        const uint64_t *v = hmap_get(m, &k);
        if (i < n) {
            if (!v)
                reader_fail(rd, "present key not found", k);
            else if (*v != i)
                reader_fail(rd, "wrong value", k);
            if (!hmap_has(m, &k))
                reader_fail(rd, "hmap_has false for a present key", k);
        } else {
            if (v)
                reader_fail(rd, "absent key found", k);
            if (hmap_has(m, &k))
                reader_fail(rd, "hmap_has true for an absent key", k);
        }
        if (j % 64 == 0 && hmap_len(m) != n)
            reader_fail(rd, "wrong length", hmap_len(m));
    }
    unsigned char *seen = malloc(n);
    if (!seen) {
        reader_fail(rd, "out of memory", 0);
        return;
    }
    for (int round = 0; round < 2; round++) {
        memset(seen, 0, n);
        size_t count = 0;
        hmap_iter it;
        hmap_iter_init(&it, m);
        while (hmap_iter_next(&it)) {
            uint64_t k, i;
            memcpy(&k, it.key, sizeof k);
            memcpy(&i, it.val, sizeof i);
            if (i >= n || tu_key(i) != k)
                reader_fail(rd, "iteration: wrong key or value", k);
            else if (seen[i]++)
                reader_fail(rd, "iteration: entry visited twice", k);
            count++;
        }
        if (count != n)
            reader_fail(rd, "iteration: wrong number of entries", count);
    }
    free(seen);
}

static void read_str_map(struct reader *rd, tu_rng *r)
{
    const struct shared *sh = rd->sh;
    char buf[64];
    for (size_t j = 0; j < sh->lookups / 4; j++) {
        size_t i = (size_t)tu_rng_below(r, sh->nstrs);
        snprintf(buf, sizeof buf, "%s", sh->strs[i]); /* another pointer, same content */
        const char *k = buf;
        const size_t *v = hmap_get(sh->smap, &k);
        if (!v || *v != i)
            reader_fail(rd, "string key not found or wrong value", i);
        snprintf(buf, sizeof buf, "absent %zu", i);
        if (hmap_has(sh->smap, &k))
            reader_fail(rd, "absent string found", i);
    }
    size_t count = 0;
    hmap_iter it;
    hmap_iter_init(&it, sh->smap);
    while (hmap_iter_next(&it))
        count++;
    if (count != sh->nstrs)
        reader_fail(rd, "string map: wrong iteration count", count);
}

static void *reader_main(void *arg)
{
    struct reader *rd = arg;
    tu_rng r;
    tu_rng_init(&r, tu_seed() * 31 + rd->id);
    pthread_barrier_wait(&rd->sh->start);
    /* threads take the maps in different orders */
    for (unsigned j = 0; j < 2; j++) {
        unsigned which = (rd->id + j) % 2;
        read_u64_map(rd, rd->sh->maps[which], rd->sh->lens[which], &r);
    }
    read_str_map(rd, &r);
    return NULL;
}

START_TEST(sixteen_readers)
{
    struct shared sh;
    memset(&sh, 0, sizeof sh);
    sh.lookups = tu_scaled(20000, 500);
    sh.lens[0] = tu_scaled(100000, 1000);
    sh.lens[1] = tu_growth_point(tu_scaled(20000, 1000)) + 1; /* just past a growth */
    for (int j = 0; j < 2; j++) {
        sh.maps[j] = tu_new_u64(0);
        for (size_t i = 0; i < sh.lens[j]; i++) {
            uint64_t k = tu_key(i), v = i;
            TU_EQ_INT(hmap_set(sh.maps[j], &k, &v), 0);
        }
        TU_CHECK(hmap_verify(sh.maps[j]));
    }
    hmap_type st = HMAP_TYPE_CSTR(size_t);
    sh.smap = hmap_new(&st, 0);
    TU_NONNULL(sh.smap);
    sh.nstrs = 5000;
    sh.strs = malloc(sh.nstrs * sizeof *sh.strs);
    TU_NONNULL(sh.strs);
    for (size_t i = 0; i < sh.nstrs; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "string key %zu", i * 7919);
        sh.strs[i] = strdup(buf);
        const char *k = sh.strs[i];
        TU_EQ_INT(hmap_set(sh.smap, &k, &i), 0);
    }

    TU_EQ_INT(pthread_barrier_init(&sh.start, NULL, NTHREADS), 0);
    struct reader rd[NTHREADS];
    for (unsigned t = 0; t < NTHREADS; t++) {
        rd[t] = (struct reader){.id = t, .sh = &sh};
        TU_EQ_INT(pthread_create(&rd[t].thread, NULL, reader_main, &rd[t]), 0);
    }
    unsigned long errors = 0;
    for (unsigned t = 0; t < NTHREADS; t++) {
        TU_EQ_INT(pthread_join(rd[t].thread, NULL), 0);
        if (rd[t].errors)
            fprintf(stderr, "%s (%lu errors)\n", rd[t].first_error, rd[t].errors);
        errors += rd[t].errors;
    }
    pthread_barrier_destroy(&sh.start);
    TU_ASSERT(errors == 0, "readers saw %lu wrong results (first: %s)", errors,
              rd[0].errors ? rd[0].first_error : "see stderr");

    /* the reads left the maps as they were */
    for (int j = 0; j < 2; j++) {
        TU_CHECK(hmap_verify(sh.maps[j]));
        TU_EQ(hmap_len(sh.maps[j]), sh.lens[j]);
        hmap_free(sh.maps[j]);
    }
    TU_CHECK(hmap_verify(sh.smap));
    hmap_free(sh.smap);
    for (size_t i = 0; i < sh.nstrs; i++)
        free(sh.strs[i]);
    free(sh.strs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tu_tcase("readers");
    tcase_add_test(tc, sixteen_readers);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
