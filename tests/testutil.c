/*
 * testutil.c - the helpers declared in testutil.h: suite running, knobs,
 * PRNG, the reference model and the whole-map checks.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hmap_testing.h>
#include "hash.h"

/* ---- running ---------------------------------------------------------- */

void tu_note_skip(const char *file, const char *func, const char *why)
{
    /* Check's START_TEST names the function NAME_fn */
    size_t n = strlen(func);
    if (n > 3 && strcmp(func + n - 3, "_fn") == 0)
        n -= 3;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    fprintf(stderr, "SKIPPED %.*s: %s\n", (int)n, func, why);
    const char *log = getenv("HMAP_SKIP_LOG");
    if (!log || !*log)
        return;
    FILE *f = fopen(log, "a");
    if (!f)
        return;
    fprintf(f, "%s %.*s: %s\n", base, (int)n, func, why);
    fclose(f);
}

TCase *tu_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    /* Shorter than meson's timeout, so that a hang is reported by Check with
     * the test's name.  Check multiplies it by CK_TIMEOUT_MULTIPLIER. */
    tcase_set_timeout(tc, 120);
    return tc;
}

int tu_run(Suite *s)
{
    fprintf(stderr, "hmap tests: HMAP_TEST_SEED=%llu HMAP_TEST_SCALE=%g\n",
            (unsigned long long)tu_seed(), tu_scale());
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- knobs and randomness -------------------------------------------- */

double tu_scale(void)
{
    const char *s = getenv("HMAP_TEST_SCALE");
    if (!s || !*s)
        return 1.0;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v > 0))
        return 1.0;
    return v;
}

size_t tu_scaled(size_t n, size_t min)
{
    double v = (double)n * tu_scale();
    size_t r = v < 1 ? 1 : (size_t)v;
    return r < min ? min : r;
}

uint64_t tu_seed(void)
{
    const char *s = getenv("HMAP_TEST_SEED");
    if (s && *s)
        return strtoull(s, NULL, 0);
    return 0x686d6170u; /* "hmap" */
}

uint64_t tu_mix(uint64_t x)
{
    /* splitmix64's finaliser: a bijection */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

void tu_rng_init(tu_rng *r, uint64_t seed) { r->s = seed; }

uint64_t tu_rng_next(tu_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return tu_mix(r->s);
}

uint64_t tu_rng_below(tu_rng *r, uint64_t n)
{
    /* Lemire's multiply-shift; the tiny bias is irrelevant here. */
    uint64_t below;
    hmap__mul128(tu_rng_next(r), n, &below);
    return below;
}

/* ---- reference model ----------------------------------------------------- */

static size_t model_home(const tu_model *md, uint64_t k)
{
    return (size_t)(tu_mix(k ^ 0xa0761d6478bd642full) & (md->cap - 1));
}

static void model_alloc(tu_model *md, size_t cap)
{
    md->cap = cap;
    md->len = 0;
    md->keys = malloc(cap * sizeof *md->keys);
    md->vals = malloc(cap * sizeof *md->vals);
    md->used = calloc(cap, 1);
    TU_ASSERT(md->keys && md->vals && md->used, "model: out of memory");
}

void tu_model_init(tu_model *md) { model_alloc(md, 16); }

void tu_model_free(tu_model *md)
{
    free(md->keys);
    free(md->vals);
    free(md->used);
    memset(md, 0, sizeof *md);
}

void tu_model_copy(tu_model *dst, const tu_model *src)
{
    model_alloc(dst, src->cap);
    memcpy(dst->keys, src->keys, src->cap * sizeof *src->keys);
    memcpy(dst->vals, src->vals, src->cap * sizeof *src->vals);
    memcpy(dst->used, src->used, src->cap);
    dst->len = src->len;
}

void tu_model_clear(tu_model *md)
{
    memset(md->used, 0, md->cap);
    md->len = 0;
}

size_t tu_model_slot(const tu_model *md, uint64_t k)
{
    for (size_t i = model_home(md, k);; i = (i + 1) & (md->cap - 1)) {
        if (!md->used[i])
            return SIZE_MAX;
        if (md->keys[i] == k)
            return i;
    }
}

bool tu_model_get(const tu_model *md, uint64_t k, uint64_t *v)
{
    size_t i = tu_model_slot(md, k);
    if (i == SIZE_MAX)
        return false;
    if (v)
        *v = md->vals[i];
    return true;
}

static void model_insert_new(tu_model *md, uint64_t k, uint64_t v)
{
    size_t i = model_home(md, k);
    while (md->used[i])
        i = (i + 1) & (md->cap - 1);
    md->used[i] = 1;
    md->keys[i] = k;
    md->vals[i] = v;
    md->len++;
}

bool tu_model_set(tu_model *md, uint64_t k, uint64_t v)
{
    size_t i = tu_model_slot(md, k);
    if (i != SIZE_MAX) {
        md->vals[i] = v;
        return false;
    }
    if ((md->len + 1) * 2 > md->cap) {
        tu_model old = *md;
        model_alloc(md, old.cap * 2);
        for (size_t j = 0; j < old.cap; j++)
            if (old.used[j])
                model_insert_new(md, old.keys[j], old.vals[j]);
        tu_model_free(&old);
    }
    model_insert_new(md, k, v);
    return true;
}

bool tu_model_del(tu_model *md, uint64_t k)
{
    size_t i = tu_model_slot(md, k);
    if (i == SIZE_MAX)
        return false;
    /* backward-shift deletion keeps probe chains intact without tombstones */
    size_t mask = md->cap - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!md->used[j])
            break;
        size_t h = model_home(md, md->keys[j]);
        /* can the entry at j move to the hole at i? yes unless its home
         * lies cyclically in (i, j] */
        bool home_in_range = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!home_in_range) {
            md->keys[i] = md->keys[j];
            md->vals[i] = md->vals[j];
            i = j;
        }
    }
    md->used[i] = 0;
    md->len--;
    return true;
}

/* ---- maps of the standard type --------------------------------------- */

hmap_type tu_u64_type(void) { return HMAP_TYPE(uint64_t, uint64_t); }

hmap *tu_new_u64(size_t hint)
{
    hmap_type t = tu_u64_type();
    hmap *m = hmap_new(&t, hint);
    TU_ASSERT(m != NULL, "hmap_new(hint %zu) failed: errno %d", hint, errno);
    return m;
}

void tu_set_at(hmap *m, tu_model *md, uint64_t k, uint64_t v, const char *file, int line)
{
    int rc = hmap_set(m, &k, &v);
    TU_ASSERT(rc == 0, "hmap_set failed with %d (called from %s:%d)", rc, file, line);
    tu_model_set(md, k, v);
}

void tu_check_iter_at(const hmap *cm, const tu_model *md, const char *file, int line)
{
    hmap *m = (hmap *)(uintptr_t)cm; /* iteration takes a non-const map */
    TU_ASSERT(hmap_len(m) == md->len, "hmap_len %zu, expected %zu (called from %s:%d)",
              hmap_len(m), md->len, file, line);
    unsigned char *seen = calloc(md->cap, 1);
    TU_CHECK(seen != NULL);
    size_t n = 0;
    hmap_iter it;
    hmap_iter_init(&it, m);
    /* Every third step goes through the library's hmap_iter_next rather
     * than the inline step of hmap.h, so that both, and any mix of them,
     * are checked by every iteration test. */
    while (n % 3 == 2 ? (hmap_iter_next)(&it) : hmap_iter_next(&it)) {
        uint64_t k, v;
        TU_ASSERT(it.key != NULL && it.val != NULL,
                  "iteration gave a NULL key or value (called from %s:%d)", file, line);
        memcpy(&k, it.key, sizeof k);
        memcpy(&v, it.val, sizeof v);
        size_t slot = tu_model_slot(md, k);
        TU_ASSERT(slot != SIZE_MAX,
                  "iteration visited key %#llx, which is not in the map (called from %s:%d)",
                  (unsigned long long)k, file, line);
        TU_ASSERT(!seen[slot], "iteration visited key %#llx twice (called from %s:%d)",
                  (unsigned long long)k, file, line);
        seen[slot] = 1;
        TU_ASSERT(v == md->vals[slot],
                  "iteration: key %#llx has value %#llx, expected %#llx (called from %s:%d)",
                  (unsigned long long)k, (unsigned long long)v,
                  (unsigned long long)md->vals[slot], file, line);
        n++;
    }
    free(seen);
    TU_ASSERT(n == md->len, "iteration visited %zu entries, expected %zu (called from %s:%d)",
              n, md->len, file, line);
}

void tu_check_model_at(const hmap *m, const tu_model *md, const char *file, int line)
{
    TU_ASSERT(hmap_verify(m), "hmap_verify failed (called from %s:%d)", file, line);
    TU_ASSERT(hmap_len(m) == md->len, "hmap_len %zu, expected %zu (called from %s:%d)",
              hmap_len(m), md->len, file, line);
    for (size_t i = 0; i < md->cap; i++) {
        if (!md->used[i])
            continue;
        uint64_t k = md->keys[i], v;
        const void *p = hmap_get(m, &k);
        TU_ASSERT(p != NULL, "key %#llx not found (called from %s:%d)",
                  (unsigned long long)k, file, line);
        memcpy(&v, p, sizeof v);
        TU_ASSERT(v == md->vals[i], "key %#llx has value %#llx, expected %#llx (called from %s:%d)",
                  (unsigned long long)k, (unsigned long long)v,
                  (unsigned long long)md->vals[i], file, line);
        TU_ASSERT(hmap_has(m, &k), "hmap_has(%#llx) false (called from %s:%d)",
                  (unsigned long long)k, file, line);
    }
    tu_check_iter_at(m, md, file, line);
}

size_t tu_iter_count(hmap *m)
{
    size_t n = 0;
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it))
        n++;
    return n;
}

/* ---- growth points ------------------------------------------------------ */

size_t tu_growth_point(size_t min_len)
{
    enum { PROBES = 4 };
    size_t limit = min_len * 4 + 1000;
    unsigned char *hits = calloc(limit, 1);
    TU_NONNULL(hits);
    for (int probe = 0; probe < PROBES; probe++) {
        hmap *m = tu_new_u64(0);
        for (size_t i = 0; i < limit; i++) {
            uint64_t k = tu_key(i), v = tu_val(k);
            long before = hmap_testing_alloc_count();
            TU_EQ_INT(hmap_set(m, &k, &v), 0);
            if (hmap_testing_alloc_count() > before)
                hits[i]++;
        }
        hmap_free(m);
    }
    for (size_t i = min_len; i < limit; i++) {
        if (hits[i] == PROBES || (i > 1680 && hits[i] > 0)) {
            free(hits);
            return i;
        }
    }
    free(hits);
    ck_abort_msg("no growth between %zu and %zu entries", min_len, limit);
    return 0;
}

/* ---- memory mappings --------------------------------------------------- */

bool tu_thp_supported(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f)
        fclose(f);
    return f != NULL;
}

bool tu_mapping_has_flag(const void *addr, const char *flag)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    TU_NONNULL(f);
    char line[512];
    bool inside = false, found = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
            if (inside)
                break; /* past the mapping, no VmFlags line in it */
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        } else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            /* space-separated two-letter flags */
            for (char *t = strtok(line + 8, " \n"); t; t = strtok(NULL, " \n"))
                found |= strcmp(t, flag) == 0;
            break;
        }
    }
    fclose(f);
    return found;
}
