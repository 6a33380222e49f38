/*
 * testutil.h - helpers shared by the Check unit tests (suite `unit`):
 *
 *  - running a Check suite with the project's conventions (CK_NORMAL output,
 *    generous per-test timeouts, exit status);
 *  - a deterministic PRNG and the HMAP_TEST_SCALE / HMAP_TEST_SEED knobs;
 *  - a reference model: an open-addressing table uint64_t -> uint64_t that
 *    the tests compare an `HMAP_TYPE(uint64_t, uint64_t)` map against;
 *  - whole-map checks (length, every key with its value, iteration visiting
 *    every entry exactly once, hmap_verify) reporting the caller's line;
 *  - a probe that finds where a map starts to grow (growth points).
 *
 * Tests use only the public header (and hmap_testing.h for the allocation
 * hooks).
 */
#ifndef HMAP_TESTUTIL_H
#define HMAP_TESTUTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hmap.h>

/* ---- running ---------------------------------------------------------- */

/* A test case with the project's default timeout (Check's own default of
 * 4 s is too short for sanitizer builds; meson's timeout is the backstop). */
TCase *tu_tcase(const char *name);

/* Run `s` with CK_NORMAL output (the "100%: Checks: N, Failures: 0,
 * Errors: 0" line) and return the process exit status. */
int tu_run(Suite *s);

/* ---- assertions ------------------------------------------------------------ */

/* Check's ck_assert* record a checkpoint (a write(2) to the runner) on
 * every success, which makes an assertion in a hot loop cost a system
 * call.  These report failures the same way (file, line, message) and cost
 * nothing when they pass. */
#define TU_ASSERT(expr, ...)                                                 \
    do {                                                                     \
        if (!(expr))                                                         \
            ck_abort_msg(__VA_ARGS__);                                       \
    } while (0)
#define TU_CHECK(expr) TU_ASSERT(expr, "Assertion '%s' failed", #expr)
#define TU_EQ(a, b)                                                          \
    do {                                                                     \
        unsigned long long tu_a_ = (a), tu_b_ = (b);                         \
        TU_ASSERT(tu_a_ == tu_b_, "Assertion '%s == %s' failed: %s == %llu, %s == %llu", \
                  #a, #b, #a, tu_a_, #b, tu_b_);                             \
    } while (0)
#define TU_EQ_INT(a, b)                                                      \
    do {                                                                     \
        long long tu_a_ = (a), tu_b_ = (b);                                  \
        TU_ASSERT(tu_a_ == tu_b_, "Assertion '%s == %s' failed: %s == %lld, %s == %lld", \
                  #a, #b, #a, tu_a_, #b, tu_b_);                             \
    } while (0)
#define TU_NONNULL(p) TU_ASSERT((p) != NULL, "Assertion '%s != NULL' failed", #p)
#define TU_NULL(p) TU_ASSERT((p) == NULL, "Assertion '%s == NULL' failed", #p)
#define TU_PTR_EQ(a, b) TU_ASSERT((const void *)(a) == (const void *)(b), \
                                  "Assertion '%s == %s' failed", #a, #b)

/* Ends a test that cannot run here, saying so on stderr and in the file
 * HMAP_SKIP_LOG names, if set.  Check has no "skipped" result: the test
 * counts as passed, so the test command (tools/run-tests.sh) lists the
 * skips from that file and fails on one that tools/check-skips.py does
 * not expect on this machine and build. */
#define TU_SKIP(why)                                                         \
    do {                                                                     \
        tu_note_skip(__FILE__, __func__, (why));                             \
        return;                                                              \
    } while (0)
void tu_note_skip(const char *file, const char *func, const char *why);

/* ---- knobs and randomness -------------------------------------------- */

/* HMAP_TEST_SCALE (a positive number, default 1) multiplies the workload of
 * the heavy tests; tu_scaled(n) is n times it, at least `min`. */
double tu_scale(void);
size_t tu_scaled(size_t n, size_t min);

/* HMAP_TEST_SEED (default: a fixed value) seeds the tests' PRNGs; failing
 * tests print it so that a run can be repeated. */
uint64_t tu_seed(void);

typedef struct tu_rng {
    uint64_t s;
} tu_rng;

void tu_rng_init(tu_rng *r, uint64_t seed);
uint64_t tu_rng_next(tu_rng *r);
uint64_t tu_rng_below(tu_rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

/* A bijective 64-bit mixer: distinct i give distinct keys. */
uint64_t tu_mix(uint64_t x);

/* The i-th key of the tests' standard key sequence (distinct for distinct
 * i, and scattered so that they look random to the map). */
static inline uint64_t tu_key(uint64_t i) { return tu_mix(i ^ 0x5bd1e995u); }

/* The value the standard tests store for key k. */
static inline uint64_t tu_val(uint64_t k) { return ~k * 31u + 7u; }

/* ---- reference model: uint64_t -> uint64_t ---------------------------- */

typedef struct tu_model {
    uint64_t *keys;
    uint64_t *vals;
    unsigned char *used;
    size_t cap; /* power of two */
    size_t len;
} tu_model;

void tu_model_init(tu_model *md);
void tu_model_free(tu_model *md);
void tu_model_clear(tu_model *md);
bool tu_model_get(const tu_model *md, uint64_t k, uint64_t *v);
bool tu_model_set(tu_model *md, uint64_t k, uint64_t v); /* true if inserted */
bool tu_model_del(tu_model *md, uint64_t k);             /* true if removed */
void tu_model_copy(tu_model *dst, const tu_model *src);  /* dst uninitialised */
/* The slot index of k in md->keys (stable until the next write to md), or
 * SIZE_MAX when absent. */
size_t tu_model_slot(const tu_model *md, uint64_t k);

/* The standard map type of the model tests. */
hmap_type tu_u64_type(void);
/* A new map of that type; fails the test if hmap_new fails. */
hmap *tu_new_u64(size_t hint);

/* Insert (k, v) into both the map and the model (the map via hmap_set). */
#define TU_SET(m, md, k, v) tu_set_at((m), (md), (k), (v), __FILE__, __LINE__)
void tu_set_at(hmap *m, tu_model *md, uint64_t k, uint64_t v, const char *file, int line);

/* The whole-map check: hmap_verify, hmap_len == model length, every model
 * key found (get and has) with its value, and one iteration that visits
 * every entry exactly once with the right value. */
#define TU_CHECK_MODEL(m, md) tu_check_model_at((m), (md), __FILE__, __LINE__)
void tu_check_model_at(const hmap *m, const tu_model *md, const char *file, int line);

/* Only the iteration part of TU_CHECK_MODEL (plus the length). */
#define TU_CHECK_ITER(m, md) tu_check_iter_at((m), (md), __FILE__, __LINE__)
void tu_check_iter_at(const hmap *m, const tu_model *md, const char *file, int line);

#define TU_VERIFY(m) TU_ASSERT(hmap_verify(m), "hmap_verify failed")

/* Number of entries one full iteration visits. */
size_t tu_iter_count(hmap *m);

/* ---- growth points ------------------------------------------------------ */

/* The length of a map of standard keys just before an insertion that
 * grows it, the first at or after `min_len`: found by inserting tu_key(0),
 * tu_key(1), ... into several fresh HMAP_TYPE(uint64_t, uint64_t) maps
 * made with hint 0 and watching hmap_testing_alloc_count.  Below one
 * table's 1680 entries every map doubles its table at the same lengths;
 * beyond, which table splits when depends on each map's random seed, so
 * the length is where one of the maps grew. */
size_t tu_growth_point(size_t min_len);

/* ---- memory mappings ---------------------------------------------------- */

/* Whether the kernel has transparent huge pages at all (even if set to
 * "never": MADV_HUGEPAGE is then still recorded on the mapping). */
bool tu_thp_supported(void);

/* Whether the mapping holding addr lists `flag` among its VmFlags in
 * /proc/self/smaps ("hg": MADV_HUGEPAGE was given for it). */
bool tu_mapping_has_flag(const void *addr, const char *flag);

#endif
