/*
 * test_stress.c - correct multi-threaded programs must never be reported
 * (meson suite `stress`).
 *
 * Four or more threads use maps the way the rules allow - writes under a
 * mutex or a write lock, readers under a read lock or in phases with no
 * writer at all, a map handed from thread to thread through pthread_join,
 * iteration with hmap_iter_del - for millions of operations in all, under
 * the checked build.  Any report ends the process and fails the test; the
 * tests also check the maps' contents at the end.  HMAP_TEST_SCALE scales
 * the work (the sanitizer builds run it too).
 */
#define HMAP_CHECKED 1
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 4 };

static uint64_t ops_per_thread(uint64_t base)
{
    uint64_t n = tu_scaled(base, 1);
#if defined(__SANITIZE_THREAD__)
    n /= 8; /* ThreadSanitizer is ~10x slower; the interleavings still come */
#endif
    return n ? n : 1;
}

/* ---- writes under a rwlock's write side, reads under its read side ---- */

static hmap *locked_map;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *rwlock_worker(void *arg)
{
    tu_rng rng;
    tu_rng_init(&rng, (uint64_t)(uintptr_t)arg);
    uint64_t n = ops_per_thread(250000);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = tu_rng_next(&rng), k = r % 4096;
        switch (r >> 60) {
        case 0: case 1: case 2: /* insert or overwrite */
            pthread_rwlock_wrlock(&rw);
            TU_EQ(hmap_set(locked_map, &k, &k), 0);
            pthread_rwlock_unlock(&rw);
            break;
        case 3: case 4:
            pthread_rwlock_wrlock(&rw);
            hmap_del(locked_map, &k);
            pthread_rwlock_unlock(&rw);
            break;
        case 5: { /* iterate, deleting some */
            pthread_rwlock_wrlock(&rw);
            hmap_iter it;
            int seen = 0;
            for (hmap_iter_init(&it, locked_map); hmap_iter_next(&it) && seen < 64; seen++)
                if (*(const uint64_t *)it.key % 7 == 0)
                    hmap_iter_del(&it);
            pthread_rwlock_unlock(&rw);
            break;
        }
        case 6: { /* a read-only iteration */
            pthread_rwlock_rdlock(&rw);
            hmap_iter it;
            size_t seen = 0;
            for (hmap_iter_init(&it, locked_map); hmap_iter_next(&it);)
                seen++;
            TU_EQ(seen, hmap_len(locked_map));
            pthread_rwlock_unlock(&rw);
            break;
        }
        default: { /* lookups, holding the value only under the lock */
            pthread_rwlock_rdlock(&rw);
            const uint64_t *v = hmap_get(locked_map, &k);
            TU_ASSERT(!v || *v == k, "key %llu holds %llu", (unsigned long long)k,
                      (unsigned long long)*v);
            pthread_rwlock_unlock(&rw);
            break;
        }
        }
    }
    return NULL;
}

START_TEST(test_rwlock_writers_and_readers)
{
    locked_map = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, rwlock_worker, (void *)(i * 7919 + tu_seed()));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    TU_CHECK(hmap_verify(locked_map));
    hmap_free(locked_map);
}
END_TEST

/* ---- a mutex around every call, string keys ------------------------- */

static hmap *words;
static pthread_mutex_t words_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *vocabulary[512];
static uint64_t expected_count[512]; /* the model, under words_lock: 0 is absent */

static void *mutex_worker(void *arg)
{
    tu_rng rng;
    tu_rng_init(&rng, (uint64_t)(uintptr_t)arg);
    uint64_t n = ops_per_thread(200000);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = tu_rng_next(&rng);
        size_t wi = r % 512;
        const char *w = vocabulary[wi];
        pthread_mutex_lock(&words_lock);
        if ((r >> 62) == 0) {
            TU_EQ(hmap_del(words, &w), expected_count[wi] != 0);
            expected_count[wi] = 0;
        } else {
            bool fresh;
            uint64_t *count = hmap_put(words, &w, &fresh);
            TU_NONNULL(count);
            TU_EQ(fresh, expected_count[wi] == 0);
            TU_EQ(*count, expected_count[wi]);
            ++*count;
            ++expected_count[wi];
        }
        pthread_mutex_unlock(&words_lock);
    }
    return NULL;
}

START_TEST(test_mutex_protected_writes)
{
    static char storage[512][16];
    for (int i = 0; i < 512; i++) {
        snprintf(storage[i], sizeof storage[i], "word-%d", i);
        vocabulary[i] = storage[i];
    }
    words = hmap_new(&HMAP_TYPE_CSTR(uint64_t), 0);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, mutex_worker, (void *)(i + 1 + tu_seed()));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    size_t present = 0;
    for (int i = 0; i < 512; i++) {
        const uint64_t *count = hmap_get(words, &vocabulary[i]);
        TU_EQ(count ? *count : 0, expected_count[i]);
        present += expected_count[i] != 0;
    }
    TU_EQ(hmap_len(words), present);
    TU_CHECK(hmap_verify(words));
    hmap_free(words);
}
END_TEST

/* ---- phases: one writer, then many readers with no lock -------------- */

static hmap *phase_map;
static pthread_barrier_t phase;
enum { PHASES = 6 };
static uint64_t phase_keys;

static void *phase_worker(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    tu_rng rng;
    tu_rng_init(&rng, id + tu_seed());
    for (int p = 0; p < PHASES; p++) {
        if (id == (uintptr_t)p % THREADS) { /* this phase's writer, alone */
            for (uint64_t k = 0; k < phase_keys; k++) {
                uint64_t v = k * PHASES + (uint64_t)p;
                TU_EQ(hmap_set(phase_map, &k, &v), 0);
            }
        }
        pthread_barrier_wait(&phase);
        /* everybody reads; nobody writes */
        for (uint64_t i = 0; i < ops_per_thread(phase_keys * 4); i++) {
            uint64_t k = tu_rng_below(&rng, phase_keys);
            const uint64_t *v = hmap_get(phase_map, &k);
            TU_NONNULL(v);
            TU_EQ(*v, k * PHASES + (uint64_t)p);
        }
        hmap_iter it;
        size_t n = 0;
        for (hmap_iter_init(&it, phase_map); hmap_iter_next(&it);)
            n++;
        TU_EQ(n, phase_keys);
        pthread_barrier_wait(&phase);
    }
    return NULL;
}

START_TEST(test_reader_phases)
{
    phase_keys = tu_scaled(20000, 200);
    phase_map = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    pthread_barrier_init(&phase, NULL, THREADS);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, phase_worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&phase);
    hmap_free(phase_map);
}
END_TEST

/* ---- a map handed from thread to thread through pthread_join --------- */

static void *handoff_step(void *arg)
{
    hmap *m = arg;
    size_t before = hmap_len(m);
    uint64_t base = before;
    for (uint64_t k = base; k < base + tu_scaled(5000, 100); k++)
        TU_EQ(hmap_set(m, &k, &k), 0);
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        if (*(const uint64_t *)it.key % 3 == 0)
            hmap_iter_del(&it);
    return NULL;
}

/* What handoff_step does, to the model, on the joining thread. */
static void handoff_model_step(tu_model *md)
{
    uint64_t base = md->len;
    for (uint64_t k = base; k < base + tu_scaled(5000, 100); k++)
        tu_model_set(md, k, k);
    uint64_t *doomed = malloc(md->len * sizeof *doomed);
    TU_NONNULL(doomed);
    size_t n = 0;
    for (size_t i = 0; i < md->cap; i++)
        if (md->used[i] && md->keys[i] % 3 == 0)
            doomed[n++] = md->keys[i];
    for (size_t i = 0; i < n; i++)
        tu_model_del(md, doomed[i]);
    free(doomed);
}

START_TEST(test_handoff_after_join)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    tu_model md;
    tu_model_init(&md);
    for (int round = 0; round < 40; round++) {
        pthread_t t;
        pthread_create(&t, NULL, handoff_step, m);
        pthread_join(t, NULL);
        handoff_model_step(&md);
        TU_CHECK_MODEL(m, &md);
    }
    tu_model_free(&md);
    hmap_free(m);
}
END_TEST

/* ---- many maps, one per thread, with relocation on every write -------- */

static void *private_maps(void *arg)
{
    tu_rng rng;
    tu_rng_init(&rng, (uint64_t)(uintptr_t)arg);
    for (int round = 0; round < 20; round++) {
        hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
        bool in[500] = { false };
        size_t n = 0;
        for (uint64_t i = 0; i < 300; i++) {
            uint64_t k = tu_rng_below(&rng, 500);
            uint64_t *v = hmap_put(m, &k, NULL);
            TU_NONNULL(v);
            *v = k * 3 + 1; /* used before the next write: allowed */
            n += !in[k];
            in[k] = true;
        }
        TU_EQ(hmap_len(m), n);
        for (uint64_t k = 0; k < 500; k++) {
            const uint64_t *v = hmap_get(m, &k);
            TU_CHECK(!v == !in[k]);
            if (v)
                TU_EQ(*v, k * 3 + 1);
        }
        hmap_free(m);
    }
    return NULL;
}

START_TEST(test_private_maps_relocating)
{
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, private_maps, (void *)(i + 11));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stress");
    TCase *tc = tu_tcase("stress");
    tcase_add_test(tc, test_rwlock_writers_and_readers);
    tcase_add_test(tc, test_mutex_protected_writes);
    tcase_add_test(tc, test_reader_phases);
    tcase_add_test(tc, test_handoff_after_join);
    tcase_add_test(tc, test_private_maps_relocating);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
