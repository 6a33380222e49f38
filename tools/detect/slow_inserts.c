/*
 * slow_inserts.c - where a plain map's slowest inserts come from (built as
 * build/tools/hmap-slow-inserts).
 *
 * The benchmark reports the slowest single insert; this tool says what
 * that insert was doing.  It inserts n random uint64_t keys into a fresh
 * map, times each insert by the thread's CPU clock, and sorts every insert
 * slower than the threshold by the growth work its write did, read from
 * the map's header before and after: splitting a table (and doubling the
 * directory, or not), rebuilding a table, or none of these.  With
 * each slow insert it prints the page faults its write took (the thread's
 * minor faults, from getrusage): where tables are in huge pages (THP
 * "always"; the plain map does not ask for them, src/alloc.c), one fault
 * is 2 MB zeroed at once.  --no-huge-pages turns transparent huge pages
 * off for the process first (prctl PR_SET_THP_DISABLE, which overrides
 * both "always" and any advice), to compare.  It also prints, for each
 * kind of growth work, the distribution of the times of all the inserts
 * that did it.  Slow inserts that took no
 * fault and did no growth work are the machine's own stalls.  To tell how
 * many of those the machine alone causes, the tool then times n random
 * writes, one by one and in the same way, to an array of n words it has
 * already touched: no map, no page fault; whatever is slow there is the
 * machine (on a VM: the host preempting the virtual CPU, which the guest's
 * CPU clocks still count).
 *
 *     hmap-slow-inserts [--no-huge-pages] [n [threshold_us]]
 *                                          (default 20000000 100)
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "hash.h"
#include "hmap_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

enum work { DOUBLED, SPLIT, REBUILT, NONE, NWORK };

static const char *const work_name[NWORK] = {
    [DOUBLED] = "split a table, doubled the directory",
    [SPLIT] = "split a table",
    [REBUILT] = "rebuilt a table",
    [NONE] = "no growth work",
};

static double thread_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Page faults this thread has taken (RUSAGE_THREAD is Linux's). */
static long thread_faults(void)
{
    struct rusage u;
    getrusage(RUSAGE_THREAD, &u);
    return u.ru_minflt + u.ru_majflt;
}

/* What the insert did, from the map's counts before (`before`) and after. */
static enum work work_done(const struct hmap *before, const struct hmap *m)
{
    if (m->depth != before->depth)
        return DOUBLED;
    if (m->tables != before->tables)
        return SPLIT;
    if (m->growths != before->growths)
        return REBUILT;
    return NONE;
}

/* The times of every insert of one kind of growth work, for their
 * distribution: on a busy or virtual machine the slowest says more about
 * the machine than about the map. */
struct times {
    double *ns;
    size_t n, cap;
};

static void times_add(struct times *t, double ns)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->ns = realloc(t->ns, t->cap * sizeof *t->ns);
        if (!t->ns) {
            fprintf(stderr, "hmap-slow-inserts: out of memory\n");
            exit(1);
        }
    }
    t->ns[t->n++] = ns;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void times_print(struct times *t, const char *what)
{
    if (t->n == 0) {
        printf("  %-36s      0 inserts\n", what);
        return;
    }
    qsort(t->ns, t->n, sizeof *t->ns, cmp_double);
    printf("  %-36s %6zu inserts: median %6.1f us, 99th percentile %6.1f us, slowest %6.1f us\n",
           what, t->n, t->ns[t->n / 2] / 1e3, t->ns[t->n * 99 / 100] / 1e3, t->ns[t->n - 1] / 1e3);
    free(t->ns);
}

/* The control: n timed random writes to n words already in memory (less
 * memory than the map takes, so fewer TLB and cache misses: whatever is
 * slow here is slow without any map).  Prints how many took at least
 * threshold_ns. */
static void control_writes(uint64_t n, double threshold_ns)
{
    if (n == 0)
        return;
    uint64_t *words = calloc(n, sizeof *words);
    if (!words) {
        fprintf(stderr, "hmap-slow-inserts: out of memory for the control\n");
        exit(1);
    }
    for (uint64_t i = 0; i < n; i++) /* fault every page in first */
        words[i] = i;
    uint64_t state = 2, slow = 0;
    double worst = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = hmap__splitmix64(&state);
        double start = thread_ns();
        words[r % n] += r;
        double ns = thread_ns() - start;
        if (ns >= threshold_ns)
            slow++;
        if (ns > worst)
            worst = ns;
    }
    printf("control: %" PRIu64 " random writes to memory already touched, no map:\n", n);
    printf("  %-36s %6" PRIu64 " writes,  slowest %8.0f us\n", "slower than the threshold", slow,
           worst / 1e3);
    free(words);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--no-huge-pages") == 0) {
        if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
            perror("hmap-slow-inserts: prctl(PR_SET_THP_DISABLE)");
            return 1;
        }
        printf("transparent huge pages off for this process\n");
        argc--;
        argv++;
    }
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
    double threshold_ns = (argc > 2 ? strtod(argv[2], NULL) : 100) * 1e3;
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    const struct hmap *in = m;
    uint64_t state = 1, slow[NWORK] = { 0 }, faulted[NWORK] = { 0 };
    double worst[NWORK] = { 0 }, worst_unfaulted[NWORK] = { 0 };
    struct times growth[NWORK] = { { 0 } };

    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = hmap__splitmix64(&state);
        struct hmap before = *in;
        long faults = thread_faults();
        double start = thread_ns();
        if (hmap_set(m, &k, &i) != 0) {
            fprintf(stderr, "hmap-slow-inserts: out of memory at insert %" PRIu64 "\n", i);
            return 1;
        }
        double ns = thread_ns() - start;
        faults = thread_faults() - faults;
        enum work w = work_done(&before, in);
        if (w != NONE)
            times_add(&growth[w], ns);
        if (ns < threshold_ns)
            continue;
        slow[w]++;
        if (ns > worst[w])
            worst[w] = ns;
        if (faults > 0)
            faulted[w]++;
        else if (ns > worst_unfaulted[w])
            worst_unfaulted[w] = ns;
        printf("insert %" PRIu64 ": %.0f us, %ld page faults, %zu tables: %s\n", i, ns / 1e3,
               faults, in->tables, work_name[w]);
    }
    printf("\n%" PRIu64 " inserts; slower than %.0f us, by the growth work their write did:\n", n,
           threshold_ns / 1e3);
    for (int w = 0; w < NWORK; w++)
        printf("  %-36s %6" PRIu64 " inserts, slowest %8.0f us; %6" PRIu64
               " took page faults, the slowest that took none %8.0f us\n",
               work_name[w], slow[w], worst[w] / 1e3, faulted[w], worst_unfaulted[w] / 1e3);
    printf("\nevery insert that grew the map, by its growth work:\n");
    for (int w = 0; w < NONE; w++)
        times_print(&growth[w], work_name[w]);
    hmap_free(m);
    control_writes(n, threshold_ns);
    return 0;
}
