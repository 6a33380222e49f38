/*
 * iter_floor.c - how fast iteration could be with hmap's layout (built as
 * build/tools/hmap-iter-floor).
 *
 * hmap iterates one entry per hmap_iter_next, over tables of groups of
 * 15 slots that are 44-88% full.  To tell what the iterator costs from
 * what the layout costs, this tool times, per entry, over a map of n
 * uint64_t -> uint64_t entries:
 *   - the tightest walk the layout allows: every table and group in
 *     order, the live slots found from the control bytes 15 at a time,
 *     each value read - no random start, no iterator state, no API;
 *   - a whole iteration with hmap_iter_next, reading each value.
 * Each is the median of 5 rounds; a round repeats the walk until it has
 * visited at least a million entries.
 *
 *     hmap-iter-floor [n ...]     (default 200000 2000000)
 */
#include "table.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROUNDS = 5 };

static volatile uint64_t sink; /* keeps the walks' sums alive */

/* A walk over every entry of `m`: the sum of the values, and the number
 * of entries visited added to *visited. */
typedef uint64_t walk_fn(hmap *m, size_t *visited);

/* The tables and their groups in order. */
static uint64_t walk_tables(hmap *m, size_t *visited)
{
    uint64_t sum = 0;
    for (size_t i = 0; m->dir && i < ((size_t)1 << m->depth);) {
        const struct hmap_table *t = dir_table(m, i);
        i += dir_span(m, t);
        for (size_t g = 0; g < t->groups; g++) {
            slot_mask live = group_live(table_ctrl(t) + g * GROUP_BYTES);
            for (; live; live &= live - 1) {
                uint64_t v;
                memcpy(&v, slot_val(m, slot_at(m, t, g * GROUP_SLOTS + first_slot(live))),
                       sizeof v);
                sum += v;
                (*visited)++;
            }
        }
    }
    return sum;
}

static uint64_t walk_iterator(hmap *m, size_t *visited)
{
    uint64_t sum = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it); (*visited)++) {
        uint64_t v;
        memcpy(&v, it.val, sizeof v);
        sum += v;
    }
    return sum;
}

/* Median ns per entry of `walk`, repeated to a million entries a round. */
static double time_walk(walk_fn *walk, hmap *m)
{
    double ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        size_t visited = 0;
        double t0 = now_ns();
        while (visited < 1000000)
            sink += walk(m, &visited);
        ns[r] = (now_ns() - t0) / (double)visited;
    }
    return median_round(ns, ROUNDS);
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = { "200000", "2000000" };
    const char *const *sizes = argc > 1 ? (const char *const *)argv + 1 : defaults;
    int nsizes = argc > 1 ? argc - 1 : 2;
    printf("ns per entry, median of %d rounds (uint64_t -> uint64_t):\n", ROUNDS);
    printf("%12s %14s %14s\n", "n", "table walk", "hmap_iter_next");
    for (int s = 0; s < nsizes; s++) {
        size_t n = strtoull(sizes[s], NULL, 10);
        hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t k = i * 0x9E3779B97F4A7C15ull;
            if (hmap_set(m, &k, &i) != 0) {
                perror("hmap-iter-floor: hmap_set");
                return 1;
            }
        }
        printf("%12zu %14.2f %14.2f\n", n, time_walk(walk_tables, m), time_walk(walk_iterator, m));
        hmap_free(m);
    }
    return 0;
}
