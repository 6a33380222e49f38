/*
 * go_scenarios.h - Go's crash-test scenarios for maps, shared by the
 * detection-rate tool (tools/detect/detect_rate.c) and the stress suite
 * (tests/test_go_scenarios.c).
 *
 * Go's runtime tests (TestConcurrentMapWrites, TestConcurrentMapReadWrite,
 * TestConcurrentMapIterateWrite) start two goroutines that each do 10000
 * operations on one small map, yielding between operations.  Here the
 * goroutines are threads and Gosched is sched_yield().  Beside them, two
 * one-shot races: two threads started together, one operation each (a
 * write and a write, a write and a read), which only the runtime's traps
 * (instrument/trap.c) make overlap.  Include this file
 * once, in a translation unit built with HMAP_CHECKED; go_scenario_run
 * never returns: the run ends with a report, or with _exit(0) when the
 * misuse went unnoticed.
 */
#ifndef HMAP_GO_SCENARIOS_H
#define HMAP_GO_SCENARIOS_H

#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

enum { GO_SCENARIO_ITERATIONS = 10000 };

static hmap *go_scenario_map;

static __attribute__((noinline)) void *write_key_5(void *arg)
{
    (void)arg;
    for (int i = 0; i < GO_SCENARIO_ITERATIONS; i++) {
        uint64_t k = 5, v = 0;
        hmap_set(go_scenario_map, &k, &v);
        sched_yield();
    }
    return NULL;
}

static __attribute__((noinline)) void *write_key_6(void *arg)
{
    (void)arg;
    for (int i = 0; i < GO_SCENARIO_ITERATIONS; i++) {
        uint64_t k = 6, v = 0;
        hmap_set(go_scenario_map, &k, &v);
        sched_yield();
    }
    return NULL;
}

static __attribute__((noinline)) void *read_key_6(void *arg)
{
    (void)arg;
    for (int i = 0; i < GO_SCENARIO_ITERATIONS; i++) {
        uint64_t k = 6;
        (void)hmap_get(go_scenario_map, &k);
        sched_yield();
    }
    return NULL;
}

static __attribute__((noinline)) void *iterate(void *arg)
{
    (void)arg;
    for (int i = 0; i < GO_SCENARIO_ITERATIONS; i++) {
        hmap_iter it;
        for (hmap_iter_init(&it, go_scenario_map); hmap_iter_next(&it);)
            ;
        sched_yield();
    }
    return NULL;
}

static __attribute__((noinline)) void *write_key_5_once(void *arg)
{
    (void)arg;
    uint64_t k = 5, v = 0;
    hmap_set(go_scenario_map, &k, &v);
    return NULL;
}

static __attribute__((noinline)) void *write_key_6_once(void *arg)
{
    (void)arg;
    uint64_t k = 6, v = 0;
    hmap_set(go_scenario_map, &k, &v);
    return NULL;
}

static __attribute__((noinline)) void *read_key_6_once(void *arg)
{
    (void)arg;
    uint64_t k = 6;
    (void)hmap_get(go_scenario_map, &k);
    return NULL;
}

struct go_scenario {
    const char *name;
    const char *kind;              /* the report expected */
    void *(*first)(void *), *(*second)(void *);
    const char *first_fn, *second_fn;
};

static const struct go_scenario go_scenarios[] = {
    { "concurrent writes (keys 5 and 6)", "concurrent map writes", write_key_5, write_key_6,
      "write_key_5", "write_key_6" },
    { "write key 5 while reading key 6", "concurrent map read and map write", write_key_5,
      read_key_6, "write_key_5", "read_key_6" },
    { "write key 5 while iterating", "concurrent map iteration and map write", write_key_5,
      iterate, "write_key_5", "iterate" },
    { "one-shot writes (keys 5 and 6)", "concurrent map writes", write_key_5_once,
      write_key_6_once, "write_key_5_once", "write_key_6_once" },
    { "one-shot write and read", "concurrent map read and map write", write_key_5_once,
      read_key_6_once, "write_key_5_once", "read_key_6_once" },
};

static __attribute__((noreturn)) void go_scenario_run(const struct go_scenario *s)
{
    go_scenario_map = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    pthread_t a, b;
    pthread_create(&a, NULL, s->first, NULL);
    pthread_create(&b, NULL, s->second, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    _exit(0);
}

#endif /* HMAP_GO_SCENARIOS_H */
