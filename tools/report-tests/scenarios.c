/*
 * scenarios.c - checked programs whose reports the tests of the report
 * tools read (tools/report-tests/test_tools.py).
 *
 * Built with -DHMAP_CHECKED.  `report-scenarios NAME` runs one scenario:
 *   nil      a write to a map that was never created
 *   freed    a write to a map after hmap_free
 *   race     two threads write to one map without a lock
 *   iterate  a write to a map by the loop that iterates it
 *   clean    correct use: exits 0 with no report
 * Each misuse goes through record(), so every report's call site is the
 * line marked SITE:record; the tests find marked lines by their markers,
 * so the file can be edited freely as long as the markers stay.
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

/* The one place that writes: every report names it. */
static NOINLINE void record(hmap *counts, uint64_t key)
{
    uint64_t one = 1;
    hmap_set(counts, &key, &one); /* SITE:record */
}

static hmap *new_counts(void)
{
    return hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0); /* SITE:new */
}

static int nil_map(void)
{
    hmap *never_created = NULL;
    record(never_created, 1);
    return 0;
}

static int freed_map(void)
{
    hmap *m = new_counts();
    record(m, 1);
    hmap_free(m);
    record(m, 2); /* SITE:use_after_free */
    return 0;
}

static hmap *shared;

static NOINLINE void *writer(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg;
    for (uint64_t i = 0;; i++)
        record(shared, base + (i & 1023));
    return NULL;
}

static int race(void)
{
    pthread_t a, b;
    shared = new_counts();
    pthread_create(&a, NULL, writer, (void *)(uintptr_t)0);
    pthread_create(&b, NULL, writer, (void *)((uintptr_t)1 << 20));
    pthread_join(a, NULL); /* never returns: the report ends the process */
    pthread_join(b, NULL);
    return 0;
}

static int iterate(void)
{
    hmap *m = new_counts();
    hmap_iter it;
    for (uint64_t k = 0; k < 8; k++)
        record(m, k);
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it)) /* SITE:iter_next */
        record(m, *(const uint64_t *)it.key + 100);
    return 0;
}

static int clean(void)
{
    hmap *m = new_counts();
    for (uint64_t k = 0; k < 1000; k++)
        record(m, k);
    size_t n = hmap_len(m);
    hmap_free(m);
    return n == 1000 ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(void);
    } scenarios[] = {
        { "nil", nil_map }, { "freed", freed_map }, { "race", race },
        { "iterate", iterate }, { "clean", clean },
    };

    for (size_t i = 0; argc == 2 && i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (!strcmp(argv[1], scenarios[i].name))
            return scenarios[i].run();
    fprintf(stderr, "usage: %s nil|freed|race|iterate|clean\n", argv[0]);
    return 2;
}
