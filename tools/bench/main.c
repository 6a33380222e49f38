/*
 * main.c - the benchmark driver: parses the command line, generates the
 * keys, runs the timed phases on ONE (table, key type, size, hash) and
 * prints one machine-readable line per figure.  Each run is its own
 * process so that peak RSS belongs to one table.
 *
 *   hmap-bench --table hmap --keys u64|str|big --n 2000000 [--hash own|same]
 *              [--seed 1] [--no-worst]
 *   hmap-bench --table hmap --keys u64|str|big --n 100000 [--hash own|same] --lifecycle
 *   hmap-bench --list [--keys K] [--hash own|same]
 *
 * Key types: u64 (uint64_t -> uint64_t), str (16-character string ->
 * uint64_t), big (uint64_t -> a 64-byte struct, bench_big).  A table that
 * does not take part with the key type asked for (its ops are NULL) exits
 * with status 3; --list --keys K lists only the tables that do (with
 * --hash H, that do with that hash).
 *
 * --hash own (the default): every table with its own default hash.
 * --hash same: every table that can be given one uses bench_hash.h's
 * hashes instead (hmap, boost, absl, khash, GLib; not uthash, stb_ds).
 * Every output line says which (hash=own|same).
 *
 * Phases, on a table created empty with no size hint:
 *   insert   n new keys, in generation order (random 64-bit keys); then
 *            bytes_per_entry: the growth of RSS since just before the
 *            table was created, over n (memory freed to malloc but kept
 *            by it counts, as it does for the program)
 *   hit      look up all n keys, shuffled, from a separate copy of the keys
 *   miss     look up n keys that are not present
 *   iterate  sum all values (repeated for small n, reported per entry)
 *   replace  set all n keys again, shuffled, each to a new value (checked
 *            by an untimed iteration: every value must have changed)
 *   erase    erase all n keys, in the shuffled order
 * Phases are timed with clock_gettime(CLOCK_MONOTONIC); every result is
 * checked (a wrong sum or count exits with status 2).  Then, in a fresh
 * table, grow-mix: the n keys inserted in 400 steps, and after each step a
 * batch of hits, of misses and of erases of absent keys as large as the
 * step, each timed on its own and reported as op=grow-hit, grow-miss and
 * grow-erase-absent (ns per op, all batches together).  Then, in a fresh
 * table, every insert is timed on its own to find the worst single
 * insert: by the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID, so being
 * preempted by another process does not count; page faults do) and, for
 * reference, by CLOCK_MONOTONIC.
 *
 * --lifecycle runs, instead, whole lives of small tables, as a program full
 * of small maps lives them: create, s inserts, s hits, s misses, iterate,
 * erase a quarter, destroy; for s = 0, 1, 8, 64, 1000 and a mix (40% of
 * tables with 0-4 entries, 30% with 5-16, 20% with 17-128, 10% with
 * 129-1000), the keys drawn from the n generated.  One line per size,
 * op=lifecycle-S (lifecycle-mix), in nanoseconds per table, with the page
 * faults per table and the change in the process's mappings over the
 * timed tables, after a warm-up round.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../detect/proc_stats.h"
#include <time.h>
#include <unistd.h>

static const bench_table *const tables[] = {
    &bench_hmap,
    &bench_hmap_checked,
#ifdef BENCH_HAVE_BOOST
    &bench_boost,
#endif
#ifdef BENCH_HAVE_ABSL
    &bench_absl,
#endif
#ifdef BENCH_HAVE_KHASH
    &bench_khash,
#endif
#ifdef BENCH_HAVE_GLIB
    &bench_glib,
#endif
#ifdef BENCH_HAVE_UTHASH
    &bench_uthash,
#endif
#ifdef BENCH_HAVE_STB
    &bench_stb,
#endif
};
#define NTABLES (sizeof tables / sizeof tables[0])

volatile uint64_t bench_sink; /* results end here so no loop is dead */

void bench_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        bench_die("out of memory");
    return p;
}

/* ---- keys ------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A uniform index below bound (Lemire's multiply-shift). */
static size_t below(uint64_t *state, size_t bound)
{
    return (size_t)(((unsigned __int128)splitmix64(state) * bound) >> 64);
}

/* The n inserted keys, a shuffled copy of them, and n absent keys. */
typedef struct keyset {
    const void *ins, *hit, *miss;
} keyset;

/* Distinct 64-bit keys: successive splitmix64 outputs from one state are
 * distinct, because its output function is a bijection of the state. */
static uint64_t *gen_u64(uint64_t seed, size_t count)
{
    uint64_t *k = xmalloc(count * sizeof *k), state = seed;
    for (size_t i = 0; i < count; i++)
        k[i] = splitmix64(&state);
    return k;
}

/* perm: a random permutation of 0 .. n-1 (Fisher-Yates). */
static size_t *gen_perm(uint64_t seed, size_t n)
{
    size_t *p = xmalloc(n * sizeof *p);
    uint64_t state = seed ^ 0x5eed5eed5eed5eedu;
    for (size_t i = 0; i < n; i++)
        p[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = below(&state, i), t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    return p;
}

static keyset make_u64_keys(uint64_t seed, size_t n)
{
    uint64_t *all = gen_u64(seed, 2 * n), *hit = xmalloc(n * sizeof *hit);
    size_t *perm = gen_perm(seed, n);
    for (size_t i = 0; i < n; i++)
        hit[i] = all[perm[i]];
    free(perm);
    return (keyset){ all, hit, all + n };
}

/* 16 printable characters: the first 11 spell all 64 bits of the unique
 * number x (6 bits each), the last 5 are more random characters. */
static void make_string(char *s, uint64_t x)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t more = x;
    more = splitmix64(&more);
    for (int j = 0; j < 11; j++)
        s[j] = digits[(x >> (6 * j)) & 63];
    for (int j = 11; j < BENCH_STR_LEN; j++, more >>= 6)
        s[j] = digits[more & 63];
    s[BENCH_STR_LEN] = '\0';
}

/* count strings in one allocation, and an array of pointers to them */
static const char **string_array(size_t count, char **pool)
{
    const char **p = xmalloc(count * sizeof *p);
    *pool = xmalloc(count * (BENCH_STR_LEN + 1));
    for (size_t i = 0; i < count; i++)
        p[i] = *pool + i * (BENCH_STR_LEN + 1);
    return p;
}

static keyset make_str_keys(uint64_t seed, size_t n)
{
    uint64_t *x = gen_u64(seed, 2 * n);
    size_t *perm = gen_perm(seed, n);
    char *pool_all, *pool_hit;
    const char **all = string_array(2 * n, &pool_all);
    const char **hit = string_array(n, &pool_hit);
    for (size_t i = 0; i < 2 * n; i++)
        make_string((char *)all[i], x[i]);
    for (size_t i = 0; i < n; i++) /* equal strings at other addresses */
        memcpy((char *)hit[i], all[perm[i]], BENCH_STR_LEN + 1);
    free(perm);
    free(x);
    return (keyset){ all, hit, all + n };
}

/* ---- measuring ------------------------------------------------------- */

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long rss_now_kb(void)
{
    long size, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long rss_peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

typedef struct run {
    const bench_table *table;
    const char *keys;
    size_t n;
    const char *hash; /* "own" or "same" */
} run;

/* The start of every output line: which run it belongs to. */
static void print_run(const run *r)
{
    printf("table=%s keys=%s n=%zu hash=%s", r->table->name, r->keys, r->n, r->hash);
}

static void report_op(const run *r, const char *op, uint64_t ns, size_t ops)
{
    print_run(r);
    printf(" op=%s ns_per_op=%.2f\n", op, (double)ns / (double)ops);
}

static void check(const run *r, const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        fprintf(stderr, "bench: %s %s n=%zu hash=%s: %s is %llu, expected %llu\n",
                r->table->name, r->keys, r->n, r->hash, what, (unsigned long long)got,
                (unsigned long long)want);
        exit(2);
    }
    bench_sink = got;
}

/* The timed phases on one table; prints one line per phase. */
static void run_phases(const run *r, const bench_ops *ops, const keyset *k)
{
    const size_t n = r->n;
    const uint64_t value_sum = (uint64_t)n * (n + 1) / 2; /* values 1 .. n */
    const size_t iter_passes = n < 1000000 ? 1000000 / n : 1;
    uint64_t t0, sum = 0;
    size_t removed;

    long base_kb = rss_now_kb();
    void *t = ops->create(n);

    t0 = now_ns(CLOCK_MONOTONIC);
    ops->insert(t, k->ins, 0, n);
    report_op(r, "insert", now_ns(CLOCK_MONOTONIC) - t0, n);
    check(r, "length after insert", ops->len(t), n);
    /* what the table holds now, growth over: no allocator can be counted
     * for every table (hmap maps its large arrays itself), RSS can */
    long held_kb = rss_now_kb() - base_kb;

    t0 = now_ns(CLOCK_MONOTONIC);
    sum = ops->lookup(t, k->hit, n);
    report_op(r, "hit", now_ns(CLOCK_MONOTONIC) - t0, n);
    check(r, "sum of values found", sum, value_sum);

    t0 = now_ns(CLOCK_MONOTONIC);
    sum = ops->lookup(t, k->miss, n);
    report_op(r, "miss", now_ns(CLOCK_MONOTONIC) - t0, n);
    check(r, "sum of values found for absent keys", sum, 0);

    t0 = now_ns(CLOCK_MONOTONIC);
    for (size_t p = 0; p < iter_passes; p++) {
        sum = ops->iterate(t);
        check(r, "sum of values iterated", sum, value_sum);
    }
    report_op(r, "iterate", now_ns(CLOCK_MONOTONIC) - t0, n * iter_passes);

    /* hit[i] -> n + i + 1: the values become n + 1 .. 2n */
    t0 = now_ns(CLOCK_MONOTONIC);
    ops->replace(t, k->hit, n, n);
    report_op(r, "replace", now_ns(CLOCK_MONOTONIC) - t0, n);
    check(r, "length after replace", ops->len(t), n);
    check(r, "sum of values after replace", ops->iterate(t), value_sum + (uint64_t)n * n);

    t0 = now_ns(CLOCK_MONOTONIC);
    removed = ops->erase(t, k->hit, n);
    report_op(r, "erase", now_ns(CLOCK_MONOTONIC) - t0, n);
    check(r, "keys erased", removed, n);
    check(r, "length after erase", ops->len(t), 0);

    long peak_kb = rss_peak_kb();
    ops->destroy(t);
    print_run(r);
    printf(" peak_rss_kb=%ld table_kb=%ld bytes_per_entry=%.1f\n", peak_kb, peak_kb - base_kb,
           (double)held_kb * 1024 / (double)n);
}

/* ---- lookups while the table grows ------------------------------------ */

/* From an empty table with no hint, insert the n keys in steps of n/400
 * (at least 1); after each step time, each on its own, a batch of hits
 * (keys inserted so far, from a random place among them), misses and
 * erases of absent keys (so the table does not change), each the size of
 * the step.  A table that grows incrementally pays inside its growth
 * windows, which the hit/miss/erase phases on a full table never see. */
static void run_grow_mix(const run *r, const bench_ops *ops, const keyset *k, size_t elem)
{
    const size_t n = r->n, step = n / 400 ? n / 400 : 1;
    const char *ins = k->ins, *miss = k->miss;
    uint64_t state = 0x67726f77u ^ n, t_hit = 0, t_miss = 0, t_erase = 0;
    void *t = ops->create(n);

    for (size_t done = 0; done < n;) {
        size_t c = step < n - done ? step : n - done;
        ops->insert(t, k->ins, done, c);
        done += c;
        size_t hit = below(&state, done - c + 1); /* ins[hit .. hit+c): values hit+1 .. */
        size_t absent = below(&state, n - c + 1), erase = below(&state, n - c + 1);

        uint64_t t0 = now_ns(CLOCK_MONOTONIC);
        uint64_t sum = ops->lookup(t, ins + hit * elem, c);
        uint64_t t1 = now_ns(CLOCK_MONOTONIC);
        check(r, "grow-mix sum of hits", sum, (uint64_t)c * (2 * hit + c + 1) / 2);
        uint64_t t2 = now_ns(CLOCK_MONOTONIC);
        sum = ops->lookup(t, miss + absent * elem, c);
        uint64_t t3 = now_ns(CLOCK_MONOTONIC);
        check(r, "grow-mix sum of misses", sum, 0);
        uint64_t t4 = now_ns(CLOCK_MONOTONIC);
        size_t removed = ops->erase(t, miss + erase * elem, c);
        uint64_t t5 = now_ns(CLOCK_MONOTONIC);
        check(r, "grow-mix erasures of absent keys", removed, 0);
        t_hit += t1 - t0;
        t_miss += t3 - t2;
        t_erase += t5 - t4;
    }
    check(r, "length after grow-mix", ops->len(t), n);
    check(r, "sum of values after grow-mix", ops->iterate(t), (uint64_t)n * (n + 1) / 2);
    ops->destroy(t);
    report_op(r, "grow-hit", t_hit, n);
    report_op(r, "grow-miss", t_miss, n);
    report_op(r, "grow-erase-absent", t_erase, n);
}

/* ---- lifecycles of small tables --------------------------------------- */

enum { LIFECYCLE_MIX = -1, MIX_TABLES = 4096 };

static size_t mix_sizes[MIX_TABLES];

static void make_mix(void)
{
    uint64_t s = 42;
    for (int i = 0; i < MIX_TABLES; i++) {
        unsigned pick = (unsigned)(splitmix64(&s) % 100);
        uint64_t x = splitmix64(&s);
        mix_sizes[i] = pick < 40 ? x % 5 : pick < 70 ? 5 + x % 12 : pick < 90 ? 17 + x % 112
                                                                   : 129 + x % 872;
    }
}

/* One table's life: `size` keys from keys[first], values first + 1 on. */
static void one_lifecycle(const run *r, const bench_ops *ops, const keyset *k, size_t elem,
                          size_t first, size_t size)
{
    const char *ins = (const char *)k->ins + first * elem;
    const char *miss = (const char *)k->miss + first * elem;
    /* values first + 1 .. first + size */
    uint64_t want = (uint64_t)size * (2 * first + size + 1) / 2;
    void *t = ops->create(size);
    ops->insert(t, k->ins, first, size);
    check(r, "lifecycle hits", ops->lookup(t, ins, size), want);
    check(r, "lifecycle misses", ops->lookup(t, miss, size), 0);
    check(r, "lifecycle iteration", ops->iterate(t), want);
    check(r, "lifecycle erasures", ops->erase(t, ins, size / 4), size / 4);
    ops->destroy(t);
}

/* Nanoseconds per table over `tables` lifecycles of `size` (LIFECYCLE_MIX:
 * the mix). */
static double lifecycle_round(const run *r, const bench_ops *ops, const keyset *k, size_t elem,
                              long size, size_t tables)
{
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    for (size_t i = 0; i < tables; i++) {
        size_t s = size == LIFECYCLE_MIX ? mix_sizes[i % MIX_TABLES] : (size_t)size;
        size_t first = (i * 7919) % (r->n - 1000);
        one_lifecycle(r, ops, k, elem, first, s);
    }
    return (double)(now_ns(CLOCK_MONOTONIC) - t0) / (double)tables;
}

static void run_lifecycles(const run *r, const bench_ops *ops, const keyset *k, size_t elem)
{
    static const long sizes[] = { 0, 1, 8, 64, 1000, LIFECYCLE_MIX };
    if (r->n < 2000)
        bench_die("--lifecycle needs --n 2000 or more keys to draw from");
    make_mix();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        long size = sizes[i];
        double per = size == LIFECYCLE_MIX ? 60.0 : (double)size + 1;
        size_t tables = (size_t)(2e6 / per);
        tables = tables < 200 ? 200 : tables > 200000 ? 200000 : tables;
        lifecycle_round(r, ops, k, elem, size, tables); /* warm-up */
        long faults0 = minor_faults(), maps0 = mapping_count();
        double ns = lifecycle_round(r, ops, k, elem, size, tables);
        double faults = (double)(minor_faults() - faults0) / (double)tables;
        char op[32];
        if (size == LIFECYCLE_MIX)
            snprintf(op, sizeof op, "lifecycle-mix");
        else
            snprintf(op, sizeof op, "lifecycle-%ld", size);
        print_run(r);
        printf(" op=%s ns_per_op=%.1f minflt_per_op=%.3f mappings_delta=%ld\n", op, ns, faults,
               mapping_count() - maps0);
    }
}

/* Insert n keys into a fresh table, timing each insert on its own. */
static void run_worst_insert(const run *r, const bench_ops *ops, const keyset *k)
{
    uint64_t worst_cpu = 0, worst_wall = 0;
    void *t = ops->create(r->n);
    uint64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID), wall = now_ns(CLOCK_MONOTONIC);
    for (size_t i = 0; i < r->n; i++) {
        ops->insert(t, k->ins, i, 1);
        uint64_t cpu2 = now_ns(CLOCK_THREAD_CPUTIME_ID), wall2 = now_ns(CLOCK_MONOTONIC);
        if (cpu2 - cpu > worst_cpu)
            worst_cpu = cpu2 - cpu;
        if (wall2 - wall > worst_wall)
            worst_wall = wall2 - wall;
        cpu = cpu2;
        wall = wall2;
    }
    check(r, "length after timed inserts", ops->len(t), r->n);
    ops->destroy(t);
    print_run(r);
    printf(" worst_insert_ns=%llu worst_insert_wall_ns=%llu\n", (unsigned long long)worst_cpu,
           (unsigned long long)worst_wall);
}

/* ---- command line ---------------------------------------------------- */

static const char *const key_names[BENCH_NKEYS] = { "u64", "str", "big" };
static const char *const hash_names[BENCH_NHASH] = { "own", "same" };

static void usage(FILE *f)
{
    fprintf(f, "usage: hmap-bench --table NAME --keys u64|str|big --n N [--hash own|same]\n"
               "                  [--seed S] [--no-worst]\n"
               "       hmap-bench --table NAME --keys u64|str|big --n N [--hash own|same]\n"
               "                  [--seed S] --lifecycle\n"
               "       hmap-bench --list [--keys K] [--hash own|same]\n"
               "A table that does not take part with these keys and hash exits with status 3.\n");
}

static const bench_table *find_table(const char *name)
{
    for (size_t i = 0; i < NTABLES; i++)
        if (strcmp(tables[i]->name, name) == 0)
            return tables[i];
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "table", required_argument, NULL, 't' },
        { "keys", required_argument, NULL, 'k' },
        { "n", required_argument, NULL, 'n' },
        { "seed", required_argument, NULL, 's' },
        { "hash", required_argument, NULL, 'H' },
        { "no-worst", no_argument, NULL, 'W' },
        { "lifecycle", no_argument, NULL, 'L' },
        { "list", no_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    run r = { NULL, NULL, 0, hash_names[BENCH_OWN] };
    uint64_t seed = 1;
    int opt, worst = 1, lifecycle = 0, list = 0, keys = -1, hash = BENCH_OWN;

    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            if (!(r.table = find_table(optarg)))
                bench_die("unknown table (see --list)");
            break;
        case 'k':
            for (keys = 0; keys < BENCH_NKEYS && strcmp(optarg, key_names[keys]) != 0; keys++)
                ;
            if (keys == BENCH_NKEYS)
                bench_die("--keys must be u64, str or big");
            r.keys = key_names[keys];
            break;
        case 'n':
            r.n = strtoull(optarg, NULL, 0);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 0);
            break;
        case 'H':
            for (hash = 0; hash < BENCH_NHASH && strcmp(optarg, hash_names[hash]) != 0; hash++)
                ;
            if (hash == BENCH_NHASH)
                bench_die("--hash must be own or same");
            r.hash = hash_names[hash];
            break;
        case 'W':
            worst = 0;
            break;
        case 'L':
            lifecycle = 1;
            break;
        case 'l':
            list = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (list) { /* the tables that take part with --keys (any) and --hash */
        for (size_t i = 0; i < NTABLES; i++) {
            bool any = false;
            for (int kk = 0; kk < BENCH_NKEYS; kk++)
                any |= (keys < 0 || keys == kk) && tables[i]->ops[hash][kk] != NULL;
            if (any)
                printf("%s\n", tables[i]->name);
        }
        return 0;
    }
    if (!r.table || !r.keys || r.n == 0 || optind != argc) {
        usage(stderr);
        return 2;
    }

    const bench_ops *ops = r.table->ops[hash][keys];
    if (!ops) {
        fprintf(stderr, "bench: table %s does not take part with keys=%s hash=%s\n",
                r.table->name, r.keys, r.hash);
        return 3;
    }
    keyset k;
    size_t elem; /* bytes per key in the key arrays */
    if (keys == BENCH_STR) {
        k = make_str_keys(seed, r.n);
        elem = sizeof(bench_str);
    } else { /* u64 and big keys are the same uint64_t keys */
        k = make_u64_keys(seed, r.n);
        elem = sizeof(uint64_t);
    }

    if (lifecycle) {
        run_lifecycles(&r, ops, &k, elem);
        return 0;
    }
    run_phases(&r, ops, &k);
    run_grow_mix(&r, ops, &k, elem);
    if (worst)
        run_worst_insert(&r, ops, &k);
    return 0; /* the key arrays go with the process */
}
