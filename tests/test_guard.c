/*
 * test_guard.c - which retired tables the checked build guards, and
 * what catches a stale pointer into the others (instrument/guard.c; suite
 * `death`).  Each case runs in a child with its own HMAP_OPTIONS
 * (deathutil), since the options are read once per process.
 *
 *  - small maps cost no system call in steady state: after warm-up, their
 *    lifecycles add no mapping and almost no page fault by default, and do
 *    under guard=all (so the measurement can tell);
 *  - a dangling pointer into a map of 1 or 8 entries is caught every time
 *    with guard=all, by default the first time its call site runs, with a
 *    tiny sample interval, and under ASan (by ASan, with hmap's report
 *    after its own);
 *  - a write through a dangling pointer into an unguarded table is caught
 *    when the table leaves the retiring thread's queue, or at exit; under
 *    ASan, as it happens.
 */
#define HMAP_CHECKED 1
#include "deathutil.h"
#include "testutil.h"
#include "proc_stats.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Each scenario keeps its own frame, for the stacks the report shows. */
#define NOINLINE __attribute__((noinline))

static struct death d;
static volatile uint64_t sink;

/* ---- no system call per map ------------------------------------------- */

static hmap *small_map(size_t n)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (uint64_t k = 0; k < n; k++)
        hmap_set(m, &k, &k);
    return m;
}

static void lifecycles(int maps)
{
    static const size_t sizes[] = { 0, 1, 8, 64, 3, 20 };
    for (int i = 0; i < maps; i++) {
        size_t n = sizes[i % 6];
        hmap *m = small_map(n);
        for (uint64_t k = 0; k < n; k += 4)
            hmap_del(m, &k);
        hmap_iter it;
        for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
            sink += *(const uint64_t *)it.val;
        hmap_free(m);
    }
}

enum { WARM_UP = 20000, MEASURED = 10000, FAULT_ALLOWANCE = 64 };

/* Exits 0 when the measured lifecycles added no mapping and at most
 * FAULT_ALLOWANCE page faults, else 3 (and says what it saw). */
static void measure_steady_state(void)
{
    lifecycles(WARM_UP);
    long maps0 = mapping_count(), faults0 = minor_faults();
    lifecycles(MEASURED);
    long dmaps = mapping_count() - maps0, dfaults = minor_faults() - faults0;
    fprintf(stderr, "steady state: %ld mappings and %ld page faults added by %d maps\n", dmaps,
            dfaults, MEASURED);
    _exit(dmaps == 0 && dfaults <= FAULT_ALLOWANCE ? 0 : 3);
}

START_TEST(test_small_maps_cost_no_system_call)
{
    if (UNDER_ASAN)
        TU_SKIP("ASan's allocator and shadow map memory of their own as the program runs");
    if (UNDER_TSAN)
        TU_SKIP("TSan's runtime maps and faults in memory of its own as the program runs");
    death_run(&d, measure_steady_state, "relocate=sampled");
    death_expect_end(&d, 0);
}
END_TEST

/* The same measurement can fail: with every table guarded, each lifecycle
 * maps and faults. */
START_TEST(test_guard_all_costs_system_calls)
{
    death_run(&d, measure_steady_state, "guard=all");
    death_expect_end(&d, -3);
}
END_TEST

/* ---- dangling pointers into small maps ----------------------------------- */

/* A pointer into a map of n entries kept across the writes that move the
 * entries: more keys until the map grows (a map of 8 grows at its 14th
 * key), or the first write when it relocates the map (relocate=always). */
static NOINLINE void stale_read_in_map_of(size_t n)
{
    hmap *m = small_map(n);
    uint64_t k0 = 0;
    uint64_t *p = hmap_get(m, &k0);
    struct hmap_stats s;
    hmap_stats(m, &s);
    uint64_t growths = s.growths;
    for (uint64_t k = n; s.growths == growths; k++) {
        hmap_set(m, &k, &k);
        hmap_stats(m, &s);
    }
    sink = *p;
    hmap_free(m);
}

static NOINLINE void stale_read_1(void)
{
    stale_read_in_map_of(1);
}

static NOINLINE void stale_read_8(void)
{
    stale_read_in_map_of(8);
}

/* The first run takes its call sites' first (guarded) tables, and is
 * caught through them unless the options guard nothing; the rest are left
 * to sampling. */
static NOINLINE void stale_read_after_warm_up(void)
{
    hmap *warm = small_map(8);
    uint64_t k = 8;
    hmap_set(warm, &k, &k);
    hmap_free(warm);
    for (int i = 0; i < 50; i++)
        stale_read_in_map_of(8);
}

static void expect_dangling_read(const char *fn)
{
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "dangling pointer read", fn, NULL);
    /* Under ASan an unguarded table's stale read is ASan's report, whose
     * stacks hmap's report then refers to. */
    bool asan_caught = UNDER_ASAN && death_stderr_has(&d, "AddressSanitizer: heap-use-after-free");
    death_expect_stack(&d, asan_caught ? "READ of size " : "  read by thread ", fn);
    if (!asan_caught)
        death_expect_summary(&d, "dangling pointer read", "test_guard.c", fn);
    ck_assert_msg(death_stderr_has(&d, "table retired by thread T0"), "%s", d.err);
}

START_TEST(test_dangling_into_map_of_1_guard_all)
{
    death_run(&d, stale_read_1, "guard=all:relocate=always");
    expect_dangling_read("stale_read_in_map_of");
}
END_TEST

START_TEST(test_dangling_into_map_of_8_guard_all)
{
    death_run(&d, stale_read_8, "guard=all:relocate=never");
    expect_dangling_read("stale_read_in_map_of");
}
END_TEST

/* By default (guard=sampled) the first table each call site allocates is
 * guarded: code that runs once is caught the first time. */
START_TEST(test_dangling_first_at_site_by_default)
{
    death_run(&d, stale_read_8, "guard=sampled:relocate=never");
    expect_dangling_read("stale_read_in_map_of");
}
END_TEST

/* Past its call sites' first tables, a tiny sample interval guards nearly
 * every small table: seed= fixes which, so the run is reproducible. */
START_TEST(test_dangling_sampled_with_tiny_interval)
{
    death_run(&d, stale_read_after_warm_up,
              "guard=sampled:guard_sample_kb=1:seed=7:relocate=never");
    expect_dangling_read("stale_read_in_map_of");
}
END_TEST

/* Without guards (guard=none) the same reads go unnoticed: the test above
 * depends on the sampling. */
START_TEST(test_no_guard_no_read_report)
{
    if (UNDER_ASAN)
        TU_SKIP("under ASan what no page guards is ASan's to catch");
    death_run(&d, stale_read_after_warm_up, "guard=none:relocate=never");
    death_expect_end(&d, -99);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap"), "%s", d.err);
}
END_TEST

/* Under AddressSanitizer a retired table that no page guards goes to
 * ASan's quarantine: past the warm-up, with nothing sampled, ASan catches
 * the stale read, and hmap's report follows its own. */
START_TEST(test_dangling_under_asan_by_default)
{
    if (!UNDER_ASAN)
        TU_SKIP("not built with AddressSanitizer");
    death_run(&d, stale_read_after_warm_up, "relocate=never:guard=none");
    ck_assert_msg(death_stderr_has(&d, "AddressSanitizer: heap-use-after-free"), "%s", d.err);
    expect_dangling_read("stale_read_in_map_of");
}
END_TEST

/* ---- writes through dangling pointers to unguarded tables ---------------- */

static NOINLINE void stale_write(void)
{
    hmap *m = small_map(8);
    uint64_t k0 = 0;
    uint64_t *p = hmap_get(m, &k0);
    hmap_set(m, &k0, &k0); /* relocate=always: the table p points into retires */
    *p = 42;               /* the bug: a write into the poisoned, queued table */
    hmap_free(m);
}

/* Retires more than the queue holds (retired_queue_kb=64), pushing the
 * stale table out of it. */
static NOINLINE void stale_write_then_churn(void)
{
    stale_write();
    lifecycles(2000);
    _exit(0);
}

static NOINLINE void stale_write_then_exit(void)
{
    stale_write();
    exit(0); /* the table is still queued: checked at exit */
}

static void expect_retired_write(void)
{
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "dangling pointer write", NULL);
    ck_assert_msg(death_stderr_has(&d, "was written after it was retired"), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, "table retired by thread T0"), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, "test_guard.c:"), "%s", d.err); /* the retiring site */
}

START_TEST(test_write_caught_when_leaving_queue)
{
    if (UNDER_ASAN)
        TU_SKIP("under ASan retired tables go to ASan's quarantine, not to hmap's queue");
    death_run(&d, stale_write_then_churn, "guard=none:relocate=always:retired_queue_kb=64");
    expect_retired_write();
}
END_TEST

START_TEST(test_write_caught_at_exit)
{
    if (UNDER_ASAN)
        TU_SKIP("under ASan retired tables go to ASan's quarantine, not to hmap's queue");
    death_run(&d, stale_write_then_exit, "guard=none:relocate=always");
    expect_retired_write();
}
END_TEST

/* Under ASan the same write is caught as it happens. */
START_TEST(test_write_caught_by_asan)
{
    if (!UNDER_ASAN)
        TU_SKIP("not built with AddressSanitizer");
    death_run(&d, stale_write_then_exit, "guard=none:relocate=always");
    death_expect_end(&d, SIGABRT);
    ck_assert_msg(death_stderr_has(&d, "AddressSanitizer: heap-use-after-free"), "%s", d.err);
    death_expect_report(&d, "dangling pointer write", "stale_write", NULL);
    ck_assert_msg(death_stderr_has(&d, "table retired by thread T0"), "%s", d.err);
}
END_TEST

/* The check can fail only where the poison changed: a correct program
 * that churns through the queue and exits is never reported. */
static NOINLINE void churn_then_exit(void)
{
    lifecycles(2000);
    exit(0);
}

START_TEST(test_correct_churn_not_reported)
{
    death_run(&d, churn_then_exit, "guard=none:relocate=always:retired_queue_kb=64");
    death_expect_end(&d, 0);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap"), "%s", d.err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("guard");
    TCase *tc = tu_tcase("guard");
    tcase_add_test(tc, test_small_maps_cost_no_system_call);
    tcase_add_test(tc, test_guard_all_costs_system_calls);
    tcase_add_test(tc, test_dangling_into_map_of_1_guard_all);
    tcase_add_test(tc, test_dangling_into_map_of_8_guard_all);
    tcase_add_test(tc, test_dangling_first_at_site_by_default);
    tcase_add_test(tc, test_dangling_sampled_with_tiny_interval);
    tcase_add_test(tc, test_no_guard_no_read_report);
    tcase_add_test(tc, test_dangling_under_asan_by_default);
    tcase_add_test(tc, test_write_caught_when_leaving_queue);
    tcase_add_test(tc, test_write_caught_at_exit);
    tcase_add_test(tc, test_write_caught_by_asan);
    tcase_add_test(tc, test_correct_churn_not_reported);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
