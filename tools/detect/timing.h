/*
 * timing.h - the clock and the median that the measuring tools of
 * tools/detect/ share (hmap-fault-cost, hmap-iter-floor, hmap-probe-floor):
 * each times a few rounds of the same thing and reports the median round,
 * so that one round the machine disturbed does not move the figure.
 */
#ifndef HMAP_TOOLS_TIMING_H
#define HMAP_TOOLS_TIMING_H

#include <stdlib.h>
#include <time.h>

static inline double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int timing_by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the n rounds in v (which it sorts). */
static inline double median_round(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, timing_by_value);
    return v[n / 2];
}

#endif /* HMAP_TOOLS_TIMING_H */
