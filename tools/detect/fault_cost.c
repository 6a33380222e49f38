/*
 * fault_cost.c - what a page of fresh memory costs on this machine (built
 * as build/tools/hmap-fault-cost).
 *
 * A map's inserts write fresh memory as it grows, and every page of it is
 * a page fault the first time.  On bare metal a fault costs a fraction of
 * a microsecond; in some virtual machines it costs ten times that or more,
 * and then faults decide how fast inserts are.  This tool times, per 4 KB
 * page of a 256 MB anonymous mapping (median of 5 rounds, each on a new
 * mapping):
 *   - the first write to each page, one page at a time (a demand fault);
 *   - madvise(MADV_POPULATE_WRITE) over the whole range, which faults the
 *     pages in with one system call, and then the first write to each page
 *     (for comparison; hmap does not use it: src/grow.c says how a plain
 *     map's new memory is faulted in);
 *   - a write to each page once it is resident;
 *   - the first write to each page of a mapping made as hmap makes its large
 *     tables (hmap__map, src/alloc.c: 2 MB aligned) and then advised
 *     MADV_HUGEPAGE, which hmap does not do (alloc.c says why): one fault
 *     maps a whole huge page if the kernel grants one.  The mapping reuses
 *     memory the rounds before have just given back, which a VM's host
 *     may still be backing: a map growing into memory new to the machine
 *     can pay more (build/tools/hmap-slow-inserts shows what).
 *
 *     hmap-fault-cost [megabytes]     (default 256)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hmap_internal.h"
#include "timing.h"

enum { ROUNDS = 5 };

static void touch_pages(volatile char *p, size_t bytes, size_t page)
{
    for (size_t i = 0; i < bytes; i += page)
        p[i] = 1;
}

int main(int argc, char **argv)
{
    size_t bytes = (argc > 1 ? strtoull(argv[1], NULL, 10) : 256) << 20;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = bytes / page;
    double demand[ROUNDS], populate[ROUNDS], after_populate[ROUNDS], resident[ROUNDS];
    double huge[ROUNDS];
    int populate_ok = 1;
    for (int r = 0; r < ROUNDS; r++) {
        char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("hmap-fault-cost: mmap");
            return 1;
        }
        double t0 = now_ns();
        touch_pages(p, bytes, page);
        double t1 = now_ns();
        touch_pages(p, bytes, page);
        double t2 = now_ns();
        demand[r] = (t1 - t0) / (double)pages;
        resident[r] = (t2 - t1) / (double)pages;
        munmap(p, bytes);

        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("hmap-fault-cost: mmap");
            return 1;
        }
        t0 = now_ns();
#ifdef MADV_POPULATE_WRITE
        populate_ok &= madvise(p, bytes, MADV_POPULATE_WRITE) == 0;
#else
        populate_ok = 0;
#endif
        t1 = now_ns();
        touch_pages(p, bytes, page);
        t2 = now_ns();
        populate[r] = (t1 - t0) / (double)pages;
        after_populate[r] = (t2 - t1) / (double)pages;
        munmap(p, bytes);

        p = hmap__map(bytes, PROT_READ | PROT_WRITE);
        if (!p) {
            perror("hmap-fault-cost: hmap__map");
            return 1;
        }
#ifdef MADV_HUGEPAGE
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* EINVAL without THP */
#endif
        t0 = now_ns();
        touch_pages(p, bytes, page);
        huge[r] = (now_ns() - t0) / (double)pages;
        munmap(p, bytes);
    }
    double demand_ns = median_round(demand, ROUNDS), populate_ns = median_round(populate, ROUNDS);
    double after_populate_ns = median_round(after_populate, ROUNDS);
    printf("per %zu-byte page, median of %d rounds over %zu MB:\n", page, ROUNDS, bytes >> 20);
    printf("  first write, demand fault:        %8.0f ns\n", demand_ns);
    if (populate_ok)
        printf("  MADV_POPULATE_WRITE, then write:  %8.0f ns (%.0f + %.0f)\n",
               populate_ns + after_populate_ns, populate_ns, after_populate_ns);
    else
        printf("  MADV_POPULATE_WRITE:              not supported by this kernel\n");
    printf("  write to a resident page:         %8.0f ns\n", median_round(resident, ROUNDS));
    printf("  first write, MADV_HUGEPAGE:       %8.0f ns\n", median_round(huge, ROUNDS));
    return 0;
}
