/*
 * lifecycle.c - hmap-lifecycle: what the checked build costs a program full
 * of small maps.  For each map size it times whole lifecycles of maps
 * (lifecycle_ops.c: create, n inserts, n hits, n misses, iterate, delete a
 * quarter, free) in the plain and the checked build, alternating the two
 * in one process, and prints the median of the rounds of each, their ratio,
 * and the page faults and mapping-count change per map of the checked
 * build after warm-up.
 *
 *   hmap-lifecycle [--rounds R] [--maps M] [n ...]
 *
 * The sizes default to 0 1 8 64 1000 and "mix", a spread of sizes like a
 * program's (most maps tiny, a few large): 40% of 0-4 entries, 30% of 5-16,
 * 20% of 17-128, 10% of 129-1000.  Pin it to one core (taskset -c 1):
 * ratios are what count, absolute times move with the machine.
 */
#define _GNU_SOURCE
#include "proc_stats.h"
#include "timing.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t lifecycle_plain(size_t n, uint64_t offset);
uint64_t lifecycle_checked(size_t n, uint64_t offset);

typedef uint64_t lifecycle_fn(size_t n, uint64_t offset);

enum { MIX = -1, MAX_SIZES = 32, MIX_MAPS = 4096 };

static volatile uint64_t sink;
static size_t mix_sizes[MIX_MAPS];

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void make_mix(void)
{
    uint64_t s = 42;
    for (int i = 0; i < MIX_MAPS; i++) {
        unsigned r = (unsigned)(splitmix64(&s) % 100);
        uint64_t x = splitmix64(&s);
        mix_sizes[i] = r < 40 ? x % 5 : r < 70 ? 5 + x % 12 : r < 90 ? 17 + x % 112 : 129 + x % 872;
    }
}

/* Nanoseconds per map for `maps` lifecycles of size n (MIX: the mix). */
static double round_ns(lifecycle_fn *fn, long n, long maps)
{
    uint64_t acc = 0;
    double t0 = now_ns();
    for (long i = 0; i < maps; i++) {
        size_t size = n == MIX ? mix_sizes[i % MIX_MAPS] : (size_t)n;
        acc += fn(size, (uint64_t)i << 20);
    }
    double t = now_ns() - t0;
    sink += acc;
    return t / (double)maps;
}

/* So many maps that a round takes some milliseconds at any size. */
static long maps_for(long n, long maps)
{
    if (maps > 0)
        return maps;
    long per = n == MIX ? 60 : n + 1;
    long m = 2000000 / per;
    return m < 200 ? 200 : m > 200000 ? 200000 : m;
}

static void measure(long n, int rounds, long maps_opt)
{
    long maps = maps_for(n, maps_opt);
    double plain[64], checked[64];
    round_ns(lifecycle_plain, n, maps); /* warm-up */
    round_ns(lifecycle_checked, n, maps);
    long faults0 = minor_faults(), maps0 = mapping_count();
    for (int r = 0; r < rounds; r++) {
        checked[r] = round_ns(lifecycle_checked, n, maps);
        plain[r] = round_ns(lifecycle_plain, n, maps);
    }
    /* the faults of the checked rounds and of the plain ones together */
    double faults = (double)(minor_faults() - faults0) / (double)(maps * rounds);
    long dmaps = mapping_count() - maps0;
    double p = median_round(plain, rounds), c = median_round(checked, rounds);
    char name[16];
    if (n == MIX)
        snprintf(name, sizeof name, "mix");
    else
        snprintf(name, sizeof name, "%ld", n);
    printf("%-6s %9.0f %9.0f %7.2fx %12.3f %8ld\n", name, p, c, c / p, faults, dmaps);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int rounds = 7;
    long maps = 0, sizes[MAX_SIZES];
    int nsizes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--maps") && i + 1 < argc) {
            maps = atol(argv[++i]);
        } else if (nsizes < MAX_SIZES) {
            sizes[nsizes++] = strcmp(argv[i], "mix") ? atol(argv[i]) : MIX;
        }
    }
    if (rounds < 1 || rounds > 64) {
        fprintf(stderr, "hmap-lifecycle: --rounds takes 1 to 64\n");
        return 2;
    }
    if (nsizes == 0) {
        const long dflt[] = { 0, 1, 8, 64, 1000, MIX };
        nsizes = 6;
        memcpy(sizes, dflt, sizeof dflt);
    }
    make_mix();
    printf("# hmap-lifecycle: ns per map lifecycle, median of %d rounds\n", rounds);
    printf("%-6s %9s %9s %8s %12s %8s\n", "n", "plain", "checked", "ratio", "faults/map",
           "dmaps");
    for (int i = 0; i < nsizes; i++)
        measure(sizes[i], rounds, maps);
    return 0;
}
