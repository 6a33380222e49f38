/*
 * proc_stats.h - what the process has asked of the kernel so far: its
 * mappings and its page faults.  hmap-bench --lifecycle reports their
 * change per table; test_guard.c asserts that small maps leave them alone.
 */
#ifndef HMAP_TOOLS_PROC_STATS_H
#define HMAP_TOOLS_PROC_STATS_H

#include <stdio.h>
#include <sys/resource.h>

/* Lines of /proc/self/maps: one per mapping; -1 if it cannot be read. */
static inline long mapping_count(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    long lines = 0;
    int c;
    if (!f)
        return -1;
    while ((c = getc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    return lines;
}

static inline long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

#endif /* HMAP_TOOLS_PROC_STATS_H */
