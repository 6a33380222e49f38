/*
 * relocate_cost.c - what one relocation of a checked map costs
 * (built as build/tools/hmap-relocate-cost).
 *
 * With HMAP_OPTIONS=relocate=always every write copies the map's tables to
 * fresh memory and retires the old ones, so the time of a write to a map
 * of n entries, less that of the same write with relocate=never, is the
 * cost of relocating n entries.  The tool measures both for a few sizes
 * (each in a child process, since options are read once) and prints the
 * difference; the fixed part and the part per entry follow from it, under
 * two guard settings: guard=sampled, which the default relocate=sampled
 * runs with, and guard=all, which relocate=always alone implies (every
 * retired table made inaccessible, a few system calls a table).  The
 * default relocate=sampled rate in instrument/checked.c is set from these
 * figures.
 *
 *     hmap-relocate-cost
 */
#define HMAP_CHECKED 1
#include <hmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ns per overwrite of an existing key in a map of n entries (no growth). */
static double ns_per_write(uint64_t n, long writes)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (uint64_t k = 0; k < n; k++)
        hmap_set(m, &k, &k);
    double start = now();
    for (long i = 0; i < writes; i++) {
        uint64_t k = (uint64_t)i % n, v = (uint64_t)i;
        hmap_set(m, &k, &v);
    }
    double ns = (now() - start) / (double)writes * 1e9;
    hmap_free(m);
    return ns;
}

/* Runs ns_per_write in a child with the given options; the result comes
 * back through a pipe. */
static double measure(const char *options, uint64_t n, long writes)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(1);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("HMAP_OPTIONS", options, 1);
        double ns = ns_per_write(n, writes);
        if (write(fds[1], &ns, sizeof ns) != (ssize_t)sizeof ns)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    double ns = -1;
    if (read(fds[0], &ns, sizeof ns) != (ssize_t)sizeof ns)
        ns = -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return ns;
}

int main(void)
{
    static const uint64_t sizes[] = { 4, 100, 1000, 10000, 100000 };
    static const char *const guards[] = { "sampled", "all" };
    printf("%-8s %10s %18s %18s %16s %14s\n", "guard", "entries", "write, never (ns)",
           "write, always (ns)", "relocation (us)", "per entry (ns)");
    for (size_t g = 0; g < sizeof guards / sizeof guards[0]; g++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            uint64_t n = sizes[i];
            long writes = (long)(4000000 / (n + 100)) + 20;
            char never_opts[64], always_opts[64];
            snprintf(never_opts, sizeof never_opts, "relocate=never,guard=%s", guards[g]);
            snprintf(always_opts, sizeof always_opts, "relocate=always,guard=%s", guards[g]);
            double never = measure(never_opts, n, writes);
            double always = measure(always_opts, n, writes);
            double reloc = always - never;
            printf("%-8s %10llu %18.1f %18.1f %16.1f %14.1f\n", guards[g], (unsigned long long)n,
                   never, always, reloc / 1000.0, reloc / (double)n);
        }
    }
    return 0;
}
